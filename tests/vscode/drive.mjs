// Drives a running code-server through Debian's Chromium, as a developer would: opens
// the workspace, waits for the Problems panel to list a diagnostic, and optionally types
// in a file until ghost text appears and accepts it with Tab.
//
//   node drive.mjs '{"url": ..., "file": "CLAUDE.md", "code": "LL201", "out": DIR,
//                    "inline": {"type": "..."} }'
//
// Prints one JSON object on stdout: what was seen, and `error` when a step failed.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const options = JSON.parse(process.argv[2]);
const timeout = options.timeoutMs ?? 60000;
const result = { steps: [] };
const started = Date.now();

function step(name) {
  result.steps.push({ name, ms: Date.now() - started });
}

const browser = await chromium.launch({
  executablePath: options.chromium ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(timeout);

/** Inner texts with the editor's non-breaking spaces as plain spaces. */
async function texts(locator) {
  return (await locator.allInnerTexts()).map((text) => text.replaceAll("\u00a0", " "));
}

async function screenshot(name) {
  if (options.out) {
    await page.screenshot({ path: join(options.out, `${name}.png`) }).catch(() => {});
  }
}

async function command(title) {
  // The command palette, as a developer opens it.
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-list .monaco-list-row").first().waitFor();
  await page.keyboard.press("Enter");
}

try {
  await page.goto(options.url);
  await page.locator(".monaco-workbench").waitFor();
  step("workbench");

  // Open the file from the explorer.
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${options.file}"]`);
  await row.first().click();
  await page.locator(`.tabs-container .tab[aria-label^="${options.file}"]`).first().waitFor();
  step("file opened");

  await command("View: Focus Problems");
  const marker = page.locator(".markers-panel .monaco-list-row", { hasText: options.code });
  await marker.first().waitFor();
  step("diagnostic shown");
  result.problems = await texts(page.locator(".markers-panel .monaco-list-row"));
  result.problemIcons = await page
    .locator(".markers-panel .monaco-list-row .marker-icon")
    .evaluateAll((icons) => icons.map((icon) => icon.className));
  await screenshot("problems");

  if (options.inline) {
    // Back to the editor, at the end of the file, and type as a developer would.
    await page.locator(".editor-instance .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(options.inline.type, { delay: 20 });
    const ghost = page.locator(".ghost-text-decoration, .ghost-text");
    await ghost.first().waitFor();
    step("ghost text shown");
    result.ghostText = (await texts(ghost)).join("");
    await screenshot("ghost-text");
    await page.keyboard.press("Tab");
    await ghost.first().waitFor({ state: "detached" });
    step("ghost text accepted");
    result.lineAfterAccept = await texts(page.locator(".editor-instance .view-line"));
    await page.keyboard.press("Control+S");
    await page.waitForTimeout(500);
  }

  if (options.ask) {
    // "llmops-ls: Ask": the question, then the tier from the quick pick.
    await command("llmops-ls: Ask");
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-widget", { hasText: "is attached" }).waitFor();
    await input.fill(options.ask.question);
    await page.keyboard.press("Enter");
    const tierRow = page.locator(".quick-input-list .monaco-list-row", {
      hasText: options.ask.tier,
    });
    await tierRow.first().waitFor();
    result.tiersOffered = await texts(page.locator(".quick-input-list .monaco-list-row .label-name"));
    step("tiers offered");
    await tierRow.first().click();
    const output = page.locator(".output-view .view-lines", { hasText: "routed to tier" });
    await output.first().waitFor();
    step("answer shown");
    result.askOutput = await texts(page.locator(".output-view .view-line"));
    await screenshot("ask");
    // The verdict on the answer, from the notification that asks for it.
    await page
      .locator(".notifications-toasts .notification-list-item", { hasText: "Useful?" })
      .first()
      .locator(".monaco-button", { hasText: "Accept" })
      .click();
    step("answer accepted");
  }

  if (options.cancel) {
    // A slow answer: Cancel on the progress notification while it streams.
    await command("llmops-ls: Ask");
    await page.locator(".quick-input-widget", { hasText: "is attached" }).waitFor();
    await page.locator(".quick-input-widget input").fill(options.cancel.question);
    await page.keyboard.press("Enter");
    await page
      .locator(".quick-input-list .monaco-list-row", { hasText: options.cancel.tier })
      .first()
      .click();
    const output = page.locator(".output-view .view-lines");
    await output.filter({ hasText: options.cancel.streamed }).first().waitFor();
    step("streaming");
    await page
      .locator(".notifications-toasts .monaco-button", { hasText: "Cancel" })
      .first()
      .click();
    await output.filter({ hasText: "[cancelled]" }).first().waitFor();
    step("cancelled");
    await screenshot("cancelled");
  }

  if (options.breakServer) {
    // A window whose settings point at no executable: the extension says why the
    // server cannot start, with the fix. (code-server does not watch the settings
    // file for changes made behind its back, so the window is reloaded.)
    const settings = JSON.parse(readFileSync(options.breakServer.settings, "utf-8"));
    settings["llmops-ls.serverPath"] = options.breakServer.serverPath;
    writeFileSync(options.breakServer.settings, JSON.stringify(settings));
    await page.reload();
    await page.locator(".monaco-workbench").waitFor();
    const toast = page.locator(".notifications-toasts .notification-list-item", {
      hasText: "cannot start the language server",
    });
    await toast.first().waitFor();
    step("cannot start shown");
    result.cannotStart = (await texts(toast.first())).join("");
    await screenshot("cannot-start");
  }
} catch (error) {
  result.error = String(error && error.stack ? error.stack : error);
  await screenshot("failure");
} finally {
  result.ms = Date.now() - started;
  await browser.close();
}

process.stdout.write(JSON.stringify(result) + "\n");
if (options.out) {
  writeFileSync(join(options.out, "drive.json"), JSON.stringify(result, null, 2));
}
