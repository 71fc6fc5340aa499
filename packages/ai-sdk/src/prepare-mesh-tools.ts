/**
 * AI SDK tools and tool choice → OpenAI `tools` / `tool_choice`. Provider tools (executed by one vendor) have
 * no meaning on a mesh that may route anywhere: they are left out with a warning.
 */
import type { LanguageModelV4CallOptions, SharedV4Warning } from "@ai-sdk/provider";
import type { ChatTool, ChatToolChoice } from "@modelmesh/core";

/** The OpenAI tool fields of a request, and the warnings of the conversion. */
export interface PreparedTools {
  tools: ChatTool[] | undefined;
  toolChoice: ChatToolChoice | undefined;
  warnings: SharedV4Warning[];
}

/** Converts V4 function tools and tool choice to the OpenAI chat shape. */
export function prepareMeshTools(tools: LanguageModelV4CallOptions["tools"], toolChoice: LanguageModelV4CallOptions["toolChoice"]): PreparedTools {
  const warnings: SharedV4Warning[] = [];
  const converted: ChatTool[] = [];
  for (const tool of tools ?? []) {
    if (tool.type === "provider") {
      warnings.push({ type: "unsupported", feature: `provider tool ${tool.id}`, details: "provider-defined tools run on one vendor; ModelMesh routes carry function tools only. The tool was not sent." });
      continue;
    }
    if (tool.inputExamples?.length) {
      warnings.push({ type: "unsupported", feature: "tool inputExamples", details: `the input examples of tool ${tool.name} were not sent: OpenAI function tools have no field for them.` });
    }
    converted.push({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.inputSchema as Record<string, unknown>,
        ...(tool.strict === undefined ? {} : { strict: tool.strict }),
      },
    });
  }
  if (converted.length === 0) {
    if (toolChoice && toolChoice.type !== "auto" && toolChoice.type !== "none") {
      warnings.push({ type: "unsupported", feature: "toolChoice", details: `toolChoice "${toolChoice.type}" was given without any function tool to call; it was not sent.` });
    }
    return { tools: undefined, toolChoice: undefined, warnings };
  }
  return { tools: converted, toolChoice: convertToolChoice(toolChoice), warnings };
}

function convertToolChoice(choice: LanguageModelV4CallOptions["toolChoice"]): ChatToolChoice | undefined {
  switch (choice?.type) {
    case undefined:
      return undefined;
    case "auto":
    case "none":
    case "required":
      return choice.type;
    case "tool":
      return { type: "function", function: { name: choice.toolName } };
  }
}
