// Finding the `llmops-ls` executable, so that a missing server is one clear message
// with its fix rather than a stack trace from a failed spawn.
import * as fs from "node:fs";
import * as path from "node:path";

/** Where the executable was found, or why it was not. */
export type Resolution = { ok: true; command: string } | { ok: false; reason: string };

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolve the `llmops-ls.serverPath` setting: a path (absolute, `~/`, or relative to
 * the first workspace folder) or a bare name looked up on PATH.
 */
export function resolveServer(
  setting: string,
  workspaceFolder: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Resolution {
  const name = setting.trim() || "llmops-ls";
  const extensions = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  if (name.includes("/") || name.includes("\\")) {
    let file = name.startsWith("~/") ? path.join(env.HOME ?? "", name.slice(2)) : name;
    if (!path.isAbsolute(file) && workspaceFolder) {
      file = path.join(workspaceFolder, file);
    }
    for (const extension of extensions) {
      if (isExecutable(file + extension)) {
        return { ok: true, command: file + extension };
      }
    }
    return { ok: false, reason: `${file} does not exist or is not executable` };
  }
  for (const folder of (env.PATH ?? "").split(path.delimiter)) {
    for (const extension of extensions) {
      const file = path.join(folder, name + extension);
      if (folder && isExecutable(file)) {
        return { ok: true, command: file };
      }
    }
  }
  return {
    ok: false,
    reason: `'${name}' was not found on the PATH of VS Code (${env.PATH ?? "unset"})`,
  };
}

/** The message shown when the server cannot start, with what to do about it. */
export function cannotStartMessage(reason: string): string {
  return (
    `llmops-ls: cannot start the language server: ${reason}. ` +
    "Install it with `pip install llmops-ls` (or `pipx install llmops-ls`), then set " +
    "`llmops-ls.serverPath` to the full path that `which llmops-ls` prints."
  );
}
