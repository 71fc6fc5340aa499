/** The dashboard page (engineer B replaces this stub with the real page). */

/** The HTML of `GET /dashboard`. */
export function dashboardHtml(): string {
  return '<!doctype html><html><head><meta charset="utf-8"><title>ModelMesh</title></head><body><h1>ModelMesh proxy</h1><p>Dashboard coming soon: see <a href="/admin/state">/admin/state</a>.</p></body></html>';
}
