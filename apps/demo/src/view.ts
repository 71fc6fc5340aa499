/**
 * The terminal view: a scrolling log of request lines with a status block kept under it.
 *
 * - live (a TTY): the status block is redrawn in place with ANSI cursor moves, and refreshed while the
 *   demo waits between requests (cooldown countdowns);
 * - plain (not a TTY, e.g. piped or captured by a test): no escape sequences at all; the status block is
 *   printed as ordinary lines whenever the route states changed.
 * Colours follow NO_COLOR (https://no-color.org): any non-empty value turns them off.
 */

/** Where the view writes: `process.stdout`, or anything with `write` (tests capture into a string). */
export interface ViewOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A style name; each maps to one SGR colour. */
export type Style = "bold" | "dim" | "green" | "red" | "yellow" | "cyan" | "magenta";

/** A piece of text with an optional style. */
export type Segment = string | readonly [text: string, style: Style];

const SGR: Record<Style, string> = { bold: "1", dim: "2", green: "32", red: "31", yellow: "33", cyan: "36", magenta: "35" };

/** Options of {@link TerminalView}. */
export interface ViewOptions {
  output: ViewOutput;
  /** Redraw the status block in place. Default: `output.isTTY`. */
  live?: boolean;
  /** Use colours. Default: live and NO_COLOR unset. */
  color?: boolean;
}

/** Whether colours are allowed by the environment. */
export function colorAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return !env.NO_COLOR;
}

/**
 * A log of permanent lines with a status block kept under it: redrawn in place on a TTY, printed as plain
 * lines (only when it changed) otherwise.
 */
export class TerminalView {
  readonly live: boolean;
  readonly color: boolean;
  readonly #output: ViewOutput;
  /** Lines of the status block currently on screen (live mode). */
  #blockHeight = 0;
  #block: Segment[][] = [];
  #blockKey = "";
  #lastPlainKey: string | undefined;

  constructor(options: ViewOptions) {
    this.#output = options.output;
    this.live = options.live ?? options.output.isTTY === true;
    this.color = options.color ?? (this.live && colorAllowed());
  }

  /** Appends a permanent line above the status block. */
  line(...segments: Segment[]): void {
    this.#output.write(`${this.#erase()}${this.#paint(segments)}\n${this.#drawBlock()}`);
  }

  /**
   * Replaces the status block without drawing it: the next {@link line} or {@link flush} shows it.
   * `changeKey` says what the block is about, without its ticking countdowns (plain output prints a block
   * only when its key changed).
   */
  setStatus(block: Segment[][], changeKey?: string): void {
    this.#block = block;
    this.#blockKey = changeKey ?? block.map((row) => plain(row)).join("\n");
  }

  /** Shows the status block: live, redrawn in place; plain, printed if its key changed (or `force`). */
  flush(options: { force?: boolean } = {}): void {
    if (this.live) {
      this.#output.write(`${this.#erase()}${this.#drawBlock()}`);
      return;
    }
    if (this.#block.length === 0 || (this.#blockKey === this.#lastPlainKey && !options.force)) return;
    this.#lastPlainKey = this.#blockKey;
    this.#output.write(`${this.#block.map((row) => plain(row)).join("\n")}\n`);
  }

  /** Starts a live session (hides the cursor). */
  open(): void {
    if (this.live) this.#output.write("\x1b[?25l");
  }

  /** Leaves the final status block on screen and restores the cursor. Idempotent. */
  close(): void {
    if (this.live) this.#output.write("\x1b[?25h");
    this.#blockHeight = 0;
  }

  #erase(): string {
    if (!this.live || this.#blockHeight === 0) return "";
    const height = this.#blockHeight;
    this.#blockHeight = 0;
    return `\x1b[${height}F\x1b[J`;
  }

  #drawBlock(): string {
    if (!this.live || this.#block.length === 0) return "";
    const width = Math.max(20, (this.#output.columns || 100) - 1);
    this.#blockHeight = this.#block.length;
    return this.#block.map((row) => `${this.#paint(truncate(row, width))}\n`).join("");
  }

  #paint(segments: readonly Segment[]): string {
    return segments.map((s) => (typeof s === "string" ? s : this.color ? `\x1b[${SGR[s[1]]}m${s[0]}\x1b[0m` : s[0])).join("");
  }
}

/** The text of a row, without styles. */
export function plain(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === "string" ? s : s[0])).join("");
}

/** Cuts a row to `width` visible characters (the live block must never wrap, or redraws drift). */
function truncate(segments: readonly Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = width;
  for (const segment of segments) {
    const text = typeof segment === "string" ? segment : segment[0];
    if (text.length <= left) {
      out.push(segment);
      left -= text.length;
      continue;
    }
    const cut = `${text.slice(0, Math.max(0, left - 1))}…`;
    out.push(typeof segment === "string" ? cut : [cut, segment[1]]);
    break;
  }
  return out;
}
