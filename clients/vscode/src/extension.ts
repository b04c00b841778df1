// The llmops-ls extension: starts `llmops-ls serve` for rules files, passes the
// editor's settings to it, and adds the "Ask" command. Diagnostics, code actions,
// hover, links, completion and inline completions come from vscode-languageclient.
import * as vscode from "vscode";
import {
  type ConfigurationParams,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { Ask } from "./ask";
import { documentSelector } from "./selector";
import { cannotStartMessage, resolveServer } from "./server";

const SECTION = "llmops-ls";
/** The keys of the section the server reads (docs/editors/README.md). */
const SERVER_KEYS = ["lint", "hover"] as const;

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;

/** The settings the server reads, without the extension's own or unset ones. */
export function serverSettings(section: unknown): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  if (typeof section !== "object" || section === null) {
    return settings;
  }
  for (const key of SERVER_KEYS) {
    const value = (section as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) {
      const table = Object.fromEntries(
        Object.entries(value).filter(([, v]) => v !== null && v !== undefined),
      );
      if (Object.keys(table).length > 0) {
        settings[key] = table;
      }
    }
  }
  return settings;
}

function workspaceFolderPath(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === "file" ? folder.uri.fsPath : undefined;
}

async function startClient(context: vscode.ExtensionContext, ask: Ask): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const serverPath = config.get<string>("serverPath", "llmops-ls");
  output?.info(`llmops-ls.serverPath: ${serverPath} (${settingOrigin(config, "serverPath")})`);
  const resolution = resolveServer(serverPath, workspaceFolderPath());
  if (!resolution.ok) {
    reportCannotStart(resolution.reason);
    return;
  }
  const args = [...config.get<string[]>("serverArgs", []), "serve"];
  const serverOptions: ServerOptions = {
    command: resolution.command,
    args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(config.get<boolean>("inlineCompletion.allFiles", false)),
    outputChannel: output,
    initializationOptions: serverSettings(config),
    synchronize: { configurationSection: SECTION },
    middleware: {
      workspace: {
        // The server asks for the `llmops-ls` section: answer with its keys only.
        configuration: async (params: ConfigurationParams, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return answers.map((answer, index) =>
            params.items[index]?.section === SECTION ? serverSettings(answer) : answer,
          );
        },
      },
    },
  };
  const started = new LanguageClient(SECTION, "llmops-ls", serverOptions, clientOptions);
  try {
    await started.start();
  } catch (error) {
    reportCannotStart(error instanceof Error ? error.message : String(error));
    return;
  }
  client = started;
  context.subscriptions.push(ask.listen(started));
  output?.info(`started ${resolution.command} ${args.join(" ")}`);
}

/** Which settings scope a value comes from, for the log. */
function settingOrigin(config: vscode.WorkspaceConfiguration, key: string): string {
  const inspected = config.inspect(key);
  if (inspected?.workspaceFolderValue !== undefined) {
    return "workspace folder settings";
  }
  if (inspected?.workspaceValue !== undefined) {
    return "workspace settings";
  }
  if (inspected?.globalValue !== undefined) {
    return "user settings";
  }
  return "default";
}

function reportCannotStart(reason: string): void {
  const message = cannotStartMessage(reason);
  output?.error(message);
  void vscode.window.showErrorMessage(message, "Open Settings").then((choice) => {
    if (choice === "Open Settings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.serverPath`);
    }
  });
}

/** Starts and stops one at a time, so that two servers never run side by side. */
let lifecycle: Promise<void> = Promise.resolve();

function restartClient(context: vscode.ExtensionContext, ask: Ask): Promise<void> {
  lifecycle = lifecycle
    .then(async () => {
      await stopClient();
      await startClient(context, ask);
    })
    .catch((error: unknown) => output?.error(`llmops-ls: restart failed: ${String(error)}`));
  return lifecycle;
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}

/** Called by VS Code when a rules file or Markdown file is opened. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("llmops-ls", { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = "llmops-ls.ask";
  const ask = new Ask(() => client, status);
  context.subscriptions.push(output, status, ask);
  context.subscriptions.push(
    vscode.commands.registerCommand("llmops-ls.ask", (question?: string, tier?: string) =>
      ask.run(question, tier),
    ),
    vscode.commands.registerCommand("llmops-ls.restart", () => restartClient(context, ask)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration(SECTION)) {
        output?.info("llmops-ls settings changed");
      }
      // Lint and hover settings reach the running server; these need a new one, and
      // a server that could not start is tried again.
      const restart =
        (client === undefined && event.affectsConfiguration(SECTION)) ||
        ["serverPath", "serverArgs", "inlineCompletion.allFiles"].some((key) =>
          event.affectsConfiguration(`${SECTION}.${key}`),
        );
      if (restart) {
        await restartClient(context, ask);
      }
    }),
  );
  await restartClient(context, ask);
}

/** Called by VS Code on shutdown: stop the server. */
export async function deactivate(): Promise<void> {
  lifecycle = lifecycle.then(stopClient);
  await lifecycle;
}
