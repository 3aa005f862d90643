// The search page in headless Chromium (Debian's, driven by playwright-core):
// type a query, toggle a framework, click a year, expand a passage, and check
// that what is rendered is what the API answered; a crafted paragraph and a
// crafted query are shown as text and never run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
{
  // Missing tools skip the test on a developer's machine (77), fail in CI.
  const missing = [];
  if (!fs.existsSync(path.join(here, "node_modules", "playwright-core")))
    missing.push("playwright-core (./install-deps.sh --tests)");
  if (!fs.existsSync(process.env.CHROMIUM || "/usr/bin/chromium"))
    missing.push("chromium (./install-deps.sh --tests)");
  if (missing.length) {
    console.log("browser tests need " + missing.join(" and "));
    process.exit(process.env.CI ? 1 : 77);
  }
}
const { buildIndex, CORPUS, launchChromium, scratch, startServer } = await import("./helpers.mjs");

const tmp = scratch();
let browser, corpus, evil;
const EVIL_TEXT = "Đoạn thử nghiệm độc hại có <script>alert(1)</script> và <img src=x onerror=\"window.pwned=1\"> " +
  "cùng <b>chữ đậm</b> & ký tự.";
const EVIL_HEADING = "I. <i onmouseover=alert(3)>Tiêu đề</i>";

async function api(server, params) {
  const r = await fetch(server.url + "/api/search?" + new URLSearchParams(params));
  return r.json();
}

// A fresh page that fails the test on any dialog, page error or CSP report.
async function open(server, query = "", viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.problems = [];
  page.on("dialog", (d) => { page.problems.push("dialog: " + d.message()); d.dismiss(); });
  page.on("pageerror", (e) => page.problems.push("page error: " + e.message));
  page.on("console", (m) => {
    // Chromium logs every 4xx fetch; the tests that cause one check the message shown
    if (m.type() === "error" && !/status of 400/.test(m.text())) page.problems.push("console: " + m.text());
  });
  await page.goto(server.url + "/" + query);
  await page.waitForFunction(() => document.body.dataset.searches);
  return page;
}

async function close(page) {
  const problems = page.problems;
  await page.context().close();
  assert.deepEqual(problems, [], "no dialog, script error or blocked resource");
}

// Runs fn (which triggers a search) and waits until the page has rendered
// it, and if q is given, rendered the search for q (typing searches as it goes).
async function searched(page, fn, q) {
  const before = await page.evaluate(() => Number(document.body.dataset.searches || 0));
  await fn();
  await page.waitForFunction(([n, want]) => Number(document.body.dataset.searches || 0) > n &&
    document.body.dataset.state !== "loading" && (want === null || document.body.dataset.query === want),
    [before, q === undefined ? null : q]);
}

const ids = (page) => page.$$eval("#hits li.hit", (lis) => lis.map((li) => li.dataset.id));

before(async () => {
  corpus = await startServer(buildIndex(path.join(tmp, "corpus.db"), CORPUS));
  const dir = path.join(tmp, "evil");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "evil.txt"),
    "HỢP TÁC MÊ CÔNG – NHẬT BẢN\n" + EVIL_HEADING + "\n" + EVIL_TEXT + "\n");
  evil = await startServer(buildIndex(path.join(tmp, "evil.db"), dir));
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  const codes = [];
  if (corpus) codes.push(await corpus.stop());
  if (evil) codes.push(await evil.stop());
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(codes.filter((c) => c !== 0), [], "servers stop cleanly");
});

describe("search page", { timeout: 60000 }, () => {
  it("typing a query renders the API's hits with highlighted snippets", async () => {
    const page = await open(corpus);
    await searched(page, () => page.type("#q", "hop tac Mekong Nhat Ban", { delay: 20 }), "hop tac Mekong Nhat Ban");
    const want = await api(corpus, { q: "hop tac Mekong Nhat Ban", n: 10 });
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    const first = page.locator("#hits li.hit").first();
    assert.equal(await first.locator(".snippet").textContent(), want.hits[0].snippet);
    const marks = await first.locator(".snippet mark").allTextContents();
    const cps = Array.from(want.hits[0].snippet);
    assert.deepEqual(marks, want.hits[0].highlights.map(([a, b]) => cps.slice(a, b).join("")));
    assert.ok(marks.length > 0, "something is highlighted");
    assert.equal(await first.locator(".badge.fw").textContent(), want.hits[0].framework);
    assert.equal(await first.locator(".loc").textContent(), want.hits[0].id);
    assert.match(await page.locator("#status").textContent(), /^10 of \d+ matching passages$/); // exact: under 10,000
    // Vietnamese comes through as the same code points, NFC, in a Vietnamese-tagged element
    assert.equal(await first.locator(".snippet").getAttribute("lang"), "vi");
    const restored = await page.locator("#restorations").textContent();
    assert.ok(Object.keys(want.restorations).length > 0, "the query has words typed without marks");
    for (const [typed, forms] of Object.entries(want.restorations))
      assert.ok(restored.includes(typed + " → " + forms[0].form), `${typed} -> ${forms[0].form} in ${restored}`);
    assert.ok(new URL(page.url()).searchParams.get("q") === "hop tac Mekong Nhat Ban", "the URL keeps the query");
    await close(page);
  });

  it("a framework checkbox filters and keeps the other counts", async () => {
    const page = await open(corpus, "?q=hop+tac");
    const mjc = page.locator('#fw-list input[value="MJC"]');
    await searched(page, () => mjc.check());
    const want = await api(corpus, { q: "hop tac", framework: "MJC", n: 10 });
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    const badges = await page.locator("#hits li.hit .badge.fw").allTextContents();
    assert.ok(badges.length === 10 && badges.every((b) => b === "MJC"), badges.join(" "));
    const gms = await page.locator('#fw-list li:has(input[value="GMS"]) .count').textContent();
    assert.ok(Number(gms) > 0, "GMS still shows its count while MJC is chosen");
    assert.deepEqual(new URL(page.url()).searchParams.getAll("framework"), ["MJC"]);
    // a second framework widens, unchecking both restores the full list
    await searched(page, () => page.locator('#fw-list input[value="FOM"]').check());
    const both = await api(corpus, new URLSearchParams([["q", "hop tac"], ["framework", "MJC"], ["framework", "FOM"]]));
    assert.deepEqual(await ids(page), both.hits.map((h) => h.id));
    await searched(page, () => page.locator("#fw-clear").click());
    const all = await api(corpus, { q: "hop tac" });
    assert.deepEqual(await ids(page), all.hits.map((h) => h.id));
    await close(page);
  });

  it("a click on a year bar filters on that year", async () => {
    const page = await open(corpus, "?q=hoi+nghi+cap+cao");
    await searched(page, () => page.locator('#years button[data-year="2019"]').click());
    const want = await api(corpus, { q: "hoi nghi cap cao", from: "2019", to: "2019" });
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    assert.ok(want.hits.every((h) => h.dates.some((d) => d.startsWith("2019"))));
    assert.equal(await page.locator('#years button[data-year="2019"]').getAttribute("aria-pressed"), "true");
    assert.ok(await page.locator('#years button[data-year="2018"]').count() === 1, "other years stay in the histogram");
    // shift-click extends to a range; a click on the chosen year clears
    await searched(page, () => page.locator('#years button[data-year="2021"]').click({ modifiers: ["Shift"] }));
    const range = await api(corpus, { q: "hoi nghi cap cao", from: "2019", to: "2021" });
    assert.deepEqual(await ids(page), range.hits.map((h) => h.id));
    await searched(page, () => page.locator("#year-clear").click());
    const all = await api(corpus, { q: "hoi nghi cap cao" });
    assert.deepEqual(await ids(page), all.hits.map((h) => h.id));
    await close(page);
  });

  it("the exact-diacritics toggle gives the exact=1 hits", async () => {
    const page = await open(corpus, "?q=hoa");
    await searched(page, () => page.locator("#exact").check());
    const want = await api(corpus, { q: "hoa", exact: "1" });
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    assert.ok(new URL(page.url()).searchParams.get("exact") === "1");
    await close(page);
  });

  it("a click shows the whole passage with its highlights, another the snippet", async () => {
    const page = await open(corpus, "?q=thu+hoach+som");
    const want = await api(corpus, { q: "thu hoach som" });
    const first = page.locator("#hits li.hit").first();
    assert.equal(await first.locator(".text").isVisible(), false);
    await first.locator(".body").click();
    assert.equal(await first.locator(".text").isVisible(), true);
    assert.equal(await first.locator(".snippet").isVisible(), false);
    assert.equal(await first.locator(".text").textContent(), want.hits[0].text);
    const cps = Array.from(want.hits[0].text);
    assert.deepEqual(await first.locator(".text mark").allTextContents(),
      want.hits[0].text_highlights.map(([a, b]) => cps.slice(a, b).join("")));
    await first.locator(".body").press("Enter");
    assert.equal(await first.locator(".snippet").isVisible(), true);
    await close(page);
  });

  it("more passages continue the ranks", async () => {
    const page = await open(corpus, "?q=hop+tac");
    await page.locator("#more").click();
    await page.waitForFunction(() => document.querySelectorAll("#hits li.hit").length === 20);
    const want = await api(corpus, { q: "hop tac", n: 20 });
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    await close(page);
  });

  it("a bad query shows the server's message", async () => {
    const page = await open(corpus);
    await searched(page, () => page.fill("#q", '"thu hoach').then(() => page.press("#q", "Enter")));
    assert.match(await page.locator("#status.error").textContent(), /unbalanced quote/);
    assert.equal(await page.locator("#hits li").count(), 0);
    await close(page);
  });

  it("fits a phone screen", async () => {
    const page = await open(corpus, "?q=hop+tac+Mekong+Nhat+Ban&framework=MJC", { width: 375, height: 740 });
    assert.equal(await page.locator("#hits li.hit").count(), 10);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
    const box = await page.locator("#hits li.hit").first().boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 375, `a hit fits: ${JSON.stringify(box)}`);
    assert.ok(await page.locator("#q").isVisible() && await page.locator('#fw-list input[value="MJC"]').isChecked());
    await close(page);
  });
});

describe("crafted input is shown as text", { timeout: 60000 }, () => {
  it("a paragraph with <script> and <img onerror> is rendered as its characters", async () => {
    const page = await open(evil);
    await searched(page, () => page.fill("#q", "thu nghiem doc hai").then(() => page.press("#q", "Enter")));
    const hit = page.locator("#hits li.hit").first();
    assert.equal(await hit.locator(".snippet").textContent(), (await api(evil, { q: "thu nghiem doc hai" })).hits[0].snippet);
    await hit.locator(".body").click();
    assert.equal(await hit.locator(".text").textContent(), EVIL_TEXT);
    assert.ok((await hit.locator(".text").innerText()).includes("<script>alert(1)</script>"));
    assert.equal(await hit.locator(".heading").textContent(), EVIL_HEADING);
    assert.equal(await page.locator("#hits script, #hits img, #hits b, #hits i").count(), 0, "no element from the text");
    await hit.locator(".heading").hover();
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    await close(page);
  });

  it("a crafted query in the URL, the box and an error message stays text", async () => {
    const q = "<img src=x onerror=alert(7)> framework:<svg/onload=alert>";
    const page = await open(evil, "?q=" + encodeURIComponent(q));
    assert.equal(await page.inputValue("#q"), q);
    assert.match(await page.locator("#status").textContent(), /unknown framework '<svg\/onload=alert>'/);
    await searched(page, () => page.fill("#q", '<script>alert(9)</script> "x').then(() => page.press("#q", "Enter")));
    assert.equal(await page.locator("body img, body svg, #hits script, #status *").count(), 0);
    await close(page);
  });
});
