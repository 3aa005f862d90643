// Takes the README's picture of the search page on the bundled corpus.
//
//   VN_BUILD_DIR=build node tests/web/screenshot.mjs searcher/web/screenshot.png [WIDTH HEIGHT]
//   VN_BUILD_DIR=build node tests/web/screenshot.mjs searcher/web/meetings.png 1200 860 meetings
//
// Builds a scratch index of corpus/, serves it on a free loopback port, runs
// a query in headless Chromium, opens the first passage, and saves a PNG.
import fs from "node:fs";
import path from "node:path";
import { buildIndex, CORPUS, launchChromium, scratch, startServer } from "./helpers.mjs";

const out = process.argv[2] || "screenshot.png";
const width = Number(process.argv[3] || 1200), height = Number(process.argv[4] || 860);
const view = process.argv[5] || "search"; // or "meetings": the Meetings view, MKC chosen
const tmp = scratch();
let server, browser;
try {
  server = await startServer(buildIndex(path.join(tmp, "db"), CORPUS));
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(server.url + "/?q=" + encodeURIComponent("hop tac Mekong Nhat Ban") + "&framework=MJC");
  await page.waitForFunction(() => document.body.dataset.state === "done");
  if (view === "meetings") {
    await page.locator("#meetings-open").click();
    await page.waitForFunction(() => document.querySelectorAll("#meetings-body ol.timeline li").length > 0);
    await page.locator("#meetings-fw").selectOption("MKC");
  } else {
    await page.locator("#hits li.hit .body").nth(1).click();
  }
  await page.screenshot({ path: out });
  console.log(`screenshot: ${out} (${width}x${height})`);
} finally {
  if (browser) await browser.close();
  if (server) await server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
