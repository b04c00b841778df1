// "llmops-ls: Ask": a question and the current file to `llmops/chat`, at a tier the
// developer picks, the answer streamed into an output channel with the routing decision.
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { type LanguageClient, ResponseError } from "vscode-languageclient/node";

export const CHAT_METHOD = "llmops/chat";
export const CHUNK_NOTIFICATION = "llmops/chatChunk";
export const FEEDBACK_NOTIFICATION = "llmops/feedback";
export const TIERS_METHOD = "llmops/tiers";

/** The tiers of the default policy, offered until the server has named its own. */
export const DEFAULT_TIERS: readonly string[] = ["fast", "standard", "frontier"];

const AUTO = "Auto";
/** Error codes of `llmops/chat` (docs/editors/assistant.md). */
const ERROR_HINTS: Record<number, string> = {
  [-32001]: "a budget is spent",
  [-32002]: "the content filter refused the request",
  [-32003]: "the gateway failed after retries and fallbacks",
  [-32004]: "no usable gateway or policy (set LLMOPS_POLICY and LLMOPS_GATEWAY_KEY)",
};

interface Decision {
  tier: string;
  model: string;
  fallbacks?: string[];
  score?: number;
  reasons?: string[];
  requested_tier?: string | null;
  degraded_from?: string | null;
}

interface ChatResult {
  chatId: string;
  requestId: string;
  text: string;
  model: string;
  usage: { promptTokens: number; completionTokens: number } | null;
  cost: number | null;
  costSource: string;
  redactions: number;
  decision: Decision;
}

interface TiersResult {
  tiers: { name: string; models: string[] }[];
  requestedTier: string;
}

interface ChatChunk {
  chatId: string;
  text: string;
}

/** Streams chats into one output channel; one chat at a time is shown. */
export class Ask implements vscode.Disposable {
  private readonly channel: vscode.OutputChannel;
  private readonly sinks = new Map<string, (text: string) => void>();
  private tiers: string[] | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly status: vscode.StatusBarItem,
  ) {
    this.channel = vscode.window.createOutputChannel("llmops-ls Ask");
    this.disposables.push(this.channel);
  }

  /** Route `llmops/chatChunk` notifications of `client` to the chat they belong to. */
  listen(client: LanguageClient): vscode.Disposable {
    this.tiers = undefined;
    return client.onNotification(CHUNK_NOTIFICATION, (chunk: ChatChunk) => {
      this.sinks.get(chunk.chatId)?.(chunk.text);
    });
  }

  /** The command: ask, pick a tier, stream the answer. Arguments are for tests. */
  async run(question?: string, tier?: string): Promise<ChatResult | undefined> {
    const client = this.client();
    if (client === undefined || !client.isRunning()) {
      void vscode.window.showErrorMessage(
        "llmops-ls: the language server is not running; see the llmops-ls output.",
      );
      return undefined;
    }
    const editor = vscode.window.activeTextEditor;
    const selected = editor && !editor.selection.isEmpty
      ? editor.document.getText(editor.selection)
      : undefined;
    const text = question ?? (await vscode.window.showInputBox({
      title: "llmops-ls: Ask",
      prompt: editor
        ? `A question; ${vscode.workspace.asRelativePath(editor.document.uri)} is attached`
        : "A question",
      placeHolder: "How do I ...?",
      ignoreFocusOut: true,
    }));
    if (!text) {
      return undefined;
    }
    const chosen = tier ?? (await this.pickTier(client));
    if (chosen === undefined) {
      return undefined;
    }
    const content = selected ? `${text}\n\nSelected text:\n\n${selected}` : text;
    return this.send(client, content, editor?.document, chosen === AUTO ? undefined : chosen);
  }

  private async pickTier(client: LanguageClient): Promise<string | undefined> {
    const tiers = this.tiers ?? (await this.policyTiers(client));
    const items: vscode.QuickPickItem[] = [
      { label: AUTO, description: "the router picks the tier from the request" },
      ...tiers.map((name) => ({ label: name, description: "ask for this tier" })),
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: "llmops-ls: Ask at which tier?",
      placeHolder: "Auto",
      ignoreFocusOut: true,
    });
    return picked?.label;
  }

  /** The policy's tiers, cheapest first, from `llmops/tiers` (nothing is routed). */
  private async policyTiers(client: LanguageClient): Promise<string[]> {
    try {
      const answer = await client.sendRequest<TiersResult>(TIERS_METHOD, null);
      const tiers = answer.tiers.map((tier) => tier.name);
      this.tiers = tiers;
      return tiers;
    } catch (error) {
      // An invalid policy: Ask still works, and its own error then says what is wrong.
      this.channel.appendLine(`llmops/tiers failed: ${failure(error)}`);
    }
    return [...DEFAULT_TIERS];
  }

  private async send(
    client: LanguageClient,
    question: string,
    document: vscode.TextDocument | undefined,
    tier: string | undefined,
  ): Promise<ChatResult | undefined> {
    const chatId = randomUUID();
    const attachments =
      document && document.uri.scheme === "file"
        ? [{ uri: document.uri.toString(), text: document.getText() }]
        : [];
    const channel = this.channel;
    channel.show(true);
    channel.appendLine("");
    channel.appendLine(`> ${question.split("\n").join("\n> ")}`);
    if (document) {
      channel.appendLine(`(attached: ${vscode.workspace.asRelativePath(document.uri)})`);
    }
    channel.appendLine(`(tier: ${tier ?? "auto"})`);
    channel.appendLine("");
    this.sinks.set(chatId, (text) => channel.append(text));
    try {
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: "llmops-ls: asking",
          cancellable: true,
        },
        (_progress, token) =>
          client.sendRequest<ChatResult>(
            CHAT_METHOD,
            { chatId, messages: [{ role: "user", content: question }], attachments, tier },
            token,
          ),
      );
      channel.appendLine("");
      channel.appendLine("");
      for (const line of describe(result)) {
        channel.appendLine(line);
      }
      this.status.text = `$(hubot) ${result.decision.tier} · ${result.model}`;
      this.status.tooltip = describe(result).join("\n");
      this.status.show();
      void this.askFeedback(client, result);
      return result;
    } catch (error) {
      channel.appendLine("");
      const message = failure(error);
      channel.appendLine(`[${message}]`);
      if (!(error instanceof vscode.CancellationError) && !isCancelled(error)) {
        void vscode.window.showErrorMessage(`llmops-ls: ${message}`);
      }
      return undefined;
    } finally {
      this.sinks.delete(chatId);
    }
  }

  private async askFeedback(client: LanguageClient, result: ChatResult): Promise<void> {
    const verdict = await vscode.window.showInformationMessage(
      `llmops-ls: answered by ${result.model} (tier ${result.decision.tier}). Useful?`,
      "Accept",
      "Reject",
    );
    if (verdict === undefined) {
      return; // the server counts an answer without a verdict as rejected
    }
    await client.sendNotification(FEEDBACK_NOTIFICATION, {
      requestId: result.requestId,
      verdict: verdict === "Accept" ? "accepted" : "rejected",
    });
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}

/** The routing decision and the cost, as lines for the output channel. */
export function describe(result: ChatResult): string[] {
  const decision = result.decision;
  const lines = [`— routed to tier ${decision.tier}, model ${result.model}`];
  if (decision.requested_tier) {
    lines.push(`  requested tier: ${decision.requested_tier}`);
  }
  if (decision.degraded_from) {
    lines.push(`  degraded from tier ${decision.degraded_from} (budget)`);
  }
  for (const reason of decision.reasons ?? []) {
    lines.push(`  · ${reason}`);
  }
  const usage = result.usage
    ? `${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens`
    : "usage unknown";
  const cost =
    result.cost === null ? "cost unknown" : `$${result.cost.toFixed(6)} (${result.costSource})`;
  lines.push(`  ${usage}, ${cost}`);
  if (result.redactions) {
    lines.push(`  ${result.redactions} secret(s) redacted before sending`);
  }
  return lines;
}

function isCancelled(error: unknown): boolean {
  return error instanceof ResponseError && (error.code === -32800 || error.code === -32801);
}

function failure(error: unknown): string {
  if (error instanceof vscode.CancellationError || isCancelled(error)) {
    return "cancelled";
  }
  if (error instanceof ResponseError) {
    const hint = ERROR_HINTS[error.code];
    const data = error.data as { resetsAt?: string } | undefined;
    const resets = data?.resetsAt ? ` (resets at ${data.resetsAt})` : "";
    return hint ? `${hint}${resets}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
