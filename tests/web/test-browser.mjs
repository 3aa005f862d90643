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
let browser, corpus, evil, word, pdf, years, scan;
const FORMATS = path.join(here, "..", "data", "formats");
const EVIL_TEXT = "Đoạn thử nghiệm độc hại có <script>alert(1)</script> và <img src=x onerror=\"window.pwned=1\"> " +
  "cùng <b>chữ đậm</b> & ký tự.";
const EVIL_HEADING = "I. <i onmouseover=alert(3)>Tiêu đề</i>";

async function api(server, params) {
  const r = await fetch(server.url + "/api/search?" + new URLSearchParams(params));
  return r.json();
}

// A fresh page that fails the test on any dialog, page error or CSP report.
async function open(server, query = "", viewport = { width: 1200, height: 900 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
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
  // the same dossier as Word and as PDF, each in an index of its own (in
  // one, the copies would be one hit)
  for (const ext of ["docx", "pdf"]) {
    fs.mkdirSync(path.join(tmp, ext));
    fs.copyFileSync(path.join(FORMATS, "dossier." + ext), path.join(tmp, ext, "dossier." + ext));
  }
  word = await startServer(buildIndex(path.join(tmp, "docx.db"), path.join(tmp, "docx")));
  pdf = await startServer(buildIndex(path.join(tmp, "pdf.db"), path.join(tmp, "pdf")));
  // a report whose dates span 131 years: more bars than the panel has pixels at 4 a bar
  fs.mkdirSync(path.join(tmp, "years"));
  const report = ["BÁO CÁO HỢP TÁC MÊ CÔNG – NHẬT BẢN", ""];
  for (let y = 1900; y <= 2030; y++)
    report.push(`Ngày 12/3/${y}, hội nghị hợp tác Mekong Nhật Bản lần thứ ${y - 1899} được tổ chức.`, "");
  fs.writeFileSync(path.join(tmp, "years", "bao-cao.txt"), report.join("\n"));
  years = await startServer(buildIndex(path.join(tmp, "years.db"), path.join(tmp, "years")));
  // a scan (a line of the corpus made into a picture with ImageMagick), read by Tesseract at indexing
  fs.mkdirSync(path.join(tmp, "scan"));
  fs.copyFileSync(path.join(here, "..", "fuzz", "regressions", "image", "small-scan-reads-as-a-paragraph.png"),
    path.join(tmp, "scan", "scan.png"));
  scan = await startServer(buildIndex(path.join(tmp, "scan.db"), path.join(tmp, "scan")));
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  const codes = [];
  if (corpus) codes.push(await corpus.stop());
  if (evil) codes.push(await evil.stop());
  for (const s of [word, pdf, years, scan]) if (s) codes.push(await s.stop());
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
    await searched(page, () => page.fill("#q", "thu hoach date:2019-13").then(() => page.press("#q", "Enter")));
    assert.match(await page.locator("#status.error").textContent(), /bad date/);
    assert.equal(await page.locator("#hits li").count(), 0);
    await close(page);
  });

});

describe("sorting, exporting, citing, the timeline and a phone (issue 16)", { timeout: 60000 }, () => {
  it("shows More passages only when there are more", async () => {
    const page = await open(corpus);
    assert.equal(await page.locator("#more").isVisible(), false, "not on the empty start page");
    const few = await api(corpus, { q: "Motegi Blinken Quad", n: 10 });
    assert.ok(few.matches > 0 && few.matches <= 10, `a search with a page or less: ${few.matches}`);
    await searched(page, () => page.fill("#q", "Motegi Blinken Quad").then(() => page.press("#q", "Enter")));
    assert.match(await page.locator("#status").textContent(), new RegExp(`^${few.matches} of (about )?${few.matches} `));
    assert.equal(await page.locator("#more").isVisible(), false, "not under a search that showed them all");
    await searched(page, () => page.fill("#q", "hop tac").then(() => page.press("#q", "Enter")));
    assert.equal(await page.locator("#more").isVisible(), true, "under a search with more");
    await searched(page, () => page.fill("#q", "thu hoach date:2019-13").then(() => page.press("#q", "Enter")));
    assert.equal(await page.locator("#status.error").count(), 1);
    assert.equal(await page.locator("#more").isVisible(), false, "not after an error");
    await close(page);
  });

  it("puts the results first on a phone, the panels folded behind one line", async () => {
    const page = await open(corpus, "?q=hop+tac+Mekong+Nhat+Ban&framework=MJC&from=2019&to=2021", { width: 375, height: 740 });
    const first = await page.locator("#hits li.hit").first().boundingBox();
    assert.ok(first && first.y < 740 / 2, `the first result starts in the top half of the first screen: ${JSON.stringify(first)}`);
    assert.equal(await page.locator("#fw-list").isVisible(), false, "frameworks folded away");
    assert.equal(await page.locator("#years").isVisible(), false, "years folded away");
    const toggle = page.locator("#filters-toggle");
    assert.match(await toggle.textContent(), /MJC.*2019–2021/, "the folded line says what is chosen");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    assert.equal(await page.locator("#fw-list").isVisible(), true, "a tap opens them");
    assert.ok(await page.locator('#years button[data-year="2020"]').isVisible(), "with the histogram");
    await searched(page, () => page.locator('#fw-list input[value="MJC"]').uncheck());
    assert.equal(new URL(page.url()).searchParams.get("framework"), null);
    // on a wide screen there is nothing to unfold
    const wide = await open(corpus, "?q=hop+tac");
    assert.equal(await wide.locator("#filters-toggle").isVisible(), false);
    assert.equal(await wide.locator("#fw-list").isVisible(), true);
    await close(wide);
    await close(page);
  });

  it("labels the timeline's years, each under its bar", async () => {
    for (const viewport of [{ width: 1200, height: 900 }, { width: 375, height: 740 }]) {
      const page = await open(corpus, "?q=hoi+nghi+cap+cao", viewport);
      if (viewport.width < 720) await page.locator("#filters-toggle").click();
      const bars = await page.$$eval("#years button", (bs) => bs.map((b) => Number(b.dataset.year)));
      const labels = await page.$$eval("#year-axis span", (ls) => ls.map((l) => {
        const r = l.getBoundingClientRect();
        return { year: Number(l.textContent), left: r.left, right: r.right, side: l.className };
      }));
      assert.ok(bars.length >= 15, `a long timeline: ${bars.length} years`);
      assert.ok(labels.length >= 3, `more labels than its two ends: ${JSON.stringify(labels)}`);
      assert.ok(labels.some((l) => l.year !== bars[0] && l.year !== bars[bars.length - 1]), "a year inside is named");
      for (const l of labels) {
        const bar = await page.locator(`#years button[data-year="${l.year}"]`).boundingBox();
        // its tick: the middle, or at either end of the panel the label's
        // edge (it starts or ends at its bar rather than stick out)
        const tick = l.side === "start" ? l.left : l.side === "end" ? l.right : (l.left + l.right) / 2;
        assert.ok(bar && tick >= bar.x - 0.5 && tick <= bar.x + bar.width + 0.5, `${l.year} under its bar`);
      }
      for (let i = 1; i < labels.length; i++)
        assert.ok(labels[i].left >= labels[i - 1].right, `labels apart: ${labels[i - 1].year} ${labels[i].year}`);
      await close(page);
    }
  });

  it("sorts by date, and More continues in that order", async () => {
    const page = await open(corpus, "?q=hop+tac+kinh+te");
    await searched(page, () => page.selectOption("#sort", "date"));
    const want = await api(corpus, { q: "hop tac kinh te", sort: "date", n: 20 });
    assert.deepEqual(await ids(page), want.hits.slice(0, 10).map((h) => h.id));
    assert.equal(new URL(page.url()).searchParams.get("sort"), "date", "the URL keeps the order");
    await page.locator("#more").click();
    await page.waitForFunction(() => document.querySelectorAll("#hits li.hit").length === 20);
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    const again = await open(corpus, "?q=hop+tac+kinh+te&sort=date");
    assert.equal(await again.inputValue("#sort"), "date");
    assert.deepEqual(await ids(again), want.hits.slice(0, 10).map((h) => h.id));
    await close(again);
    await close(page);
  });

  it("groups by file: each file once with its more count, kept in the URL (issue 28)", async () => {
    const page = await open(corpus, "?q=hop+tac");
    await searched(page, () => page.locator("#group").check());
    const want = await api(corpus, { q: "hop tac", group: "file", n: 10 });
    assert.ok(want.hits.length >= 2 && want.group === "file", `files: ${want.hits.length}`);
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    assert.equal(new URL(page.url()).searchParams.get("group"), "file", "the URL keeps the grouping");
    assert.equal(await page.locator("#status").textContent(),
      `${want.hits.length} of ${want.matches} matching file${want.matches === 1 ? "" : "s"}`);
    const more = (n) => `+${n} more passage${n === 1 ? "" : "s"} in this file`;
    assert.deepEqual(await page.locator("#hits li.hit .in-file").allTextContents(),
      want.hits.filter((h) => h.more_in_file).map((h) => more(h.more_in_file)));
    assert.ok(new URL(await page.getAttribute("#export-csv", "href"), corpus.url).searchParams.get("group") === "file",
      "the export is grouped too");
    const again = await open(corpus, "?q=hop+tac&group=file");
    assert.ok(await again.isChecked("#group"));
    assert.deepEqual(await ids(again), want.hits.map((h) => h.id));
    await close(again);
    await searched(page, () => page.locator("#group").uncheck());
    assert.equal(new URL(page.url()).searchParams.get("group"), null);
    assert.equal(await page.locator("#hits li.hit .in-file").count(), 0);
    assert.match(await page.locator("#status").textContent(), /^10 of \d+ matching passages$/);
    await close(page);
  });

  it("exports the current results as CSV and JSON", async () => {
    const page = await open(corpus, "?q=Nhat+Ban&framework=MJC&sort=date");
    const want = await api(corpus, { q: "Nhat Ban", framework: "MJC", sort: "date", n: 100 });
    assert.ok(want.matches > 10 && want.matches < 100, `more than a page, all in one export: ${want.matches}`);
    const fetched = async (sel) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator(sel).click()]);
      return { name: download.suggestedFilename(), text: fs.readFileSync(await download.path(), "utf8") };
    };
    const csv = await fetched("#export-csv");
    assert.equal(csv.name, "vnsearch.csv");
    assert.ok(csv.text.startsWith("\ufeff\"query\",\"hits\",\"rank\""), csv.text.slice(0, 80));
    const rows = csv.text.split("\r\n").slice(1, -1);
    assert.equal(rows.length, want.hits.length, "every passage, not the page shown");
    assert.deepEqual(rows.map((r) => r.split(",")[4]), want.hits.map((h) => JSON.stringify(h.id)));
    const json = await fetched("#export-json");
    assert.equal(json.name, "vnsearch.json");
    assert.deepEqual(JSON.parse(json.text).hits.map((h) => h.id), want.hits.map((h) => h.id));
    await close(page);
  });

  it("copies a citation: framework, dates, file, place and the passage", async () => {
    const page = await open(corpus, "?q=thu+hoach+som", undefined, { permissions: ["clipboard-read", "clipboard-write"] });
    const want = (await api(corpus, { q: "thu hoach som" })).hits.find((h) => h.framework && h.dates.length);
    assert.ok(want, "a hit with a framework and dates");
    const hit = page.locator(`#hits li.hit[data-id="${want.id}"]`);
    await hit.locator(".cite").click();
    await page.waitForFunction(() => [...document.querySelectorAll(".cite")].some((b) => b.textContent === "Copied"));
    const text = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(text.startsWith("“" + want.text + "”\n— "), text.slice(0, 120));
    const source = text.split("\n— ")[1];
    assert.ok(source.startsWith(want.framework + " ("), `framework and its name: ${source}`);
    assert.ok(source.includes(want.dates.join(", ")), `dates: ${source}`);
    assert.ok(source.includes(want.file + ", line " + want.line), `file and line: ${source}`);
    assert.equal(await hit.evaluate((li) => li.classList.contains("open")), false, "the click cites, it does not open");
    await close(page);
  });

});

describe("did you mean, similar passages, copies, a hit in its place (issue 16)", { timeout: 60000 }, () => {
  it("offers the respelling of a query typed in Telex, as a link, and names the words that match nothing", async () => {
    const page = await open(corpus, "?q=hojp+tacs");
    const want = await api(corpus, { q: "hojp tacs" });
    assert.equal(want.suggestion.query, "hợp tác");
    assert.deepEqual(want.unmatched, ["hojp", "tacs"]);
    assert.equal(await page.locator("#suggestion button").textContent(), "hợp tác");
    assert.match(await page.locator("#suggestion").textContent(), /^Did you mean hợp tác\? \(\d+ passages with every word\) No passage has the words hojp, tacs\.$/);
    assert.equal(await page.inputValue("#q"), "hojp tacs", "nothing is rewritten behind the analyst's back");
    await searched(page, () => page.locator("#suggestion button").click(), "hợp tác");
    assert.equal(await page.inputValue("#q"), "hợp tác");
    assert.deepEqual(await ids(page), (await api(corpus, { q: "hợp tác" })).hits.map((h) => h.id));
    assert.equal(await page.locator("#suggestion").textContent(), "", "a query that needs nothing gets nothing");
    await close(page);
  });

  it("shows the passages like one, and goes back to the search", async () => {
    const page = await open(corpus, "?q=Motegi");
    const first = page.locator("#hits li.hit").first();
    const id = await first.getAttribute("data-id");
    await searched(page, () => first.locator(".similar").click());
    const want = await api(corpus, { like: id });
    assert.ok(want.hits.length > 0 && !want.hits.some((h) => h.id === id), "others, not itself");
    assert.deepEqual(await ids(page), want.hits.map((h) => h.id));
    assert.equal(new URL(page.url()).searchParams.get("like"), id);
    assert.match(await page.locator("#like-banner").textContent(), new RegExp("Passages like " + id));
    await searched(page, () => page.locator("#like-banner button").click(), "Motegi");
    assert.equal(await page.locator("#like-banner").isVisible(), false);
    assert.deepEqual(await ids(page), (await api(corpus, { q: "Motegi" })).hits.map((h) => h.id));
    await close(page);
  });

  it("shows a paragraph found in two places once, also in the other", async () => {
    const q = "Tại Hội nghị Bộ trưởng Quan hệ đối tác Mê Công – Mỹ lần thứ nhất";
    const page = await open(corpus, "?q=" + encodeURIComponent(q));
    const got = await ids(page);
    assert.equal(got[0], "mekong-frameworks.txt:132");
    assert.ok(!got.includes("mekong-frameworks.txt:140"), `the copy is not a hit of its own: ${got}`);
    assert.equal(await page.locator("#hits li.hit").first().locator(".also").textContent(),
      "Also in: mekong-frameworks.txt:140");
    const all = await api(corpus, { q, all_copies: "1" });
    assert.ok(all.hits.some((h) => h.id === "mekong-frameworks.txt:140"), "all_copies=1 lists it");
    await close(page);
  });

  it("opens a hit in its place in the document, headings shown", async () => {
    const page = await open(corpus, "?q=thu+hoach+som");
    const first = page.locator("#hits li.hit").first();
    const id = await first.getAttribute("data-id");
    await first.locator(".loc").click();
    await page.waitForFunction((want) => document.body.dataset.reader === want + "@5", id);
    assert.equal(await page.locator("#reader").isVisible(), true);
    const want = await (await fetch(corpus.url + "/api/passage?" + new URLSearchParams({ id, context: "5" }))).json();
    const paras = await page.$$eval("#reader-body [data-id]", (ps) => ps.map((p) => p.dataset.id));
    assert.deepEqual(paras, want.passages.map((x) => x.id), "the passages around it, in order");
    assert.equal(paras.length, 11, "five before and five after");
    assert.equal(await page.locator("#reader-body .focus").getAttribute("data-id"), id, "the hit marked");
    assert.ok(await page.locator("#reader-body h3").count() >= 1, "headings shown");
    assert.equal(await page.locator("#reader-title").textContent(), want.passages[0].file);
    await page.locator("#reader-earlier").click();
    await page.waitForFunction((want) => document.body.dataset.reader === want + "@10", id);
    assert.ok(await page.locator("#reader-body [data-id]").count() > 11, "earlier passages on demand");
    await page.locator("#reader-close").click();
    assert.equal(await page.locator("#reader").isVisible(), false);
    await close(page);
  });

  it("shows the meetings timeline per framework, conflicts marked, sources opening in place (issue 29)", async () => {
    const page = await open(corpus);
    await page.locator("#meetings-open").click();
    await page.waitForFunction(() => document.querySelectorAll("#meetings-body ol.timeline li").length > 0);
    assert.equal(await page.locator("#meetings").isVisible(), true);
    const want = (await (await fetch(corpus.url + "/api/meetings")).json()).meetings;
    assert.equal(await page.locator("#meetings-body ol.timeline > li").count(), want.length, "every meeting shown");
    const lines = await page.$$eval("#meetings-body ol.timeline", (ols) => ols.map((o) => o.dataset.framework));
    assert.deepEqual(lines, [...new Set(lines)], "one timeline per framework");
    // MKC: summit 2 is dated before summit 1 in the dossier, and the two are marked
    const mkc = page.locator('#meetings-body ol.timeline[data-framework="MKC"]');
    const two = mkc.locator('li[data-meeting="MKC summit 2"]');
    assert.equal(await two.getAttribute("class"), "conflict");
    assert.equal(await two.locator(".flag").textContent(), "2 conflicts");
    const conflicts = await two.locator("ul.conflicts li").allTextContents();
    assert.ok(conflicts.some((c) => c.startsWith("order: summit 2 dated 2019-11-13")), conflicts.join(" / "));
    assert.equal(await mkc.locator('li[data-meeting="MKC ministerial 4"]').getAttribute("class"), null);
    // in date order: summit 2 (2019-11-13) before summit 1 (2019-11-27)
    const order = await mkc.locator("> li").evaluateAll((lis) => lis.map((li) => li.dataset.meeting));
    assert.ok(order.indexOf("MKC summit 2") < order.indexOf("MKC summit 1"), order.join(", "));
    // a source opens the passage in its place
    await two.locator(".sources button").first().click();
    await page.waitForFunction(() => document.body.dataset.reader === "mekong-frameworks.txt:10@5");
    assert.equal(await page.locator("#reader-body .focus").getAttribute("data-id"), "mekong-frameworks.txt:10");
    await page.locator("#reader-close").click();
    // one framework only
    await page.locator("#meetings-fw").selectOption("MGC");
    const only = await page.$$eval("#meetings-body ol.timeline", (ols) => ols.map((o) => o.dataset.framework));
    assert.deepEqual(only, ["MGC"]);
    await page.locator("#meetings-close").click();
    assert.equal(await page.locator("#meetings").isVisible(), false);
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

describe("the document one click away (issue 28)", { timeout: 60000 }, () => {
  for (const viewport of [{ width: 1200, height: 900 }, { width: 375, height: 740 }]) {
    it(`reads a Word hit in its document, the hit marked and in view, at ${viewport.width}px`, async () => {
      const q = "chiến lược định hướng";
      const want = (await api(word, { q })).hits[0];
      const page = await open(word, "?q=" + encodeURIComponent(q), viewport);
      const read = page.locator("#hits li.hit").first().locator("a.doc", { hasText: "Read" });
      assert.equal(await read.getAttribute("href"), want.view_url);
      const [doc] = await Promise.all([page.context().waitForEvent("page"), read.click()]);
      const problems = [];
      doc.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
      await doc.waitForLoadState("load");
      assert.equal(new URL(doc.url()).hash, "#hit");
      const hit = doc.locator("main .hit");
      assert.equal(await hit.count(), 1, "the hit's block marked");
      assert.ok((await hit.textContent()).startsWith(want.text.slice(0, 40)), "the hit's text");
      const box = await hit.boundingBox();
      assert.ok(box && box.y >= 0 && box.y < viewport.height, `the hit in view: ${JSON.stringify(box)}`);
      const toc = await doc.$$eval("#toc a", (as) => as.map((a) => [a.textContent, a.getAttribute("href")]));
      assert.ok(toc.some(([t]) => t === "2. Khái quát về tình hình triển khai"), "the headings listed");
      for (const [, href] of toc) assert.equal(await doc.locator(href).count(), 1, `${href} leads somewhere`);
      const widths = await doc.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
      assert.deepEqual(problems, [], "nothing blocked by its policy");
      await doc.close();
      await close(page);
    });
  }

  it("opens a PDF hit at its page, the file as it was indexed", async () => {
    const q = "chiến lược định hướng";
    const want = (await api(pdf, { q })).hits[0];
    assert.ok(want.page > 1, `a hit past page 1: ${want.page}`);
    const page = await open(pdf, "?q=" + encodeURIComponent(q));
    const hit = page.locator("#hits li.hit").first();
    const link = hit.locator("a.doc");
    assert.equal(await link.count(), 1, "a PDF is opened, not read as a page");
    assert.equal(await link.textContent(), "Open p. " + want.page);
    const href = await link.getAttribute("href");
    assert.equal(href, "/document?file=dossier.pdf#page=" + want.page);
    assert.equal(await link.getAttribute("target"), "_blank");
    const r = await page.request.get(pdf.url + href);
    assert.equal(r.status(), 200);
    assert.equal(r.headers()["content-type"], "application/pdf");
    assert.ok((await r.body()).equals(fs.readFileSync(path.join(FORMATS, "dossier.pdf"))), "its bytes unchanged");
    await close(page);
  });
});

// Every Vietnamese vowel with every tone, in both cases, and đ: NFC, as the
// index stores text.
const VIETNAMESE = (() => {
  const tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"];
  const out = [];
  for (const v of ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"])
    for (const t of tones) for (const c of [v, v.toUpperCase()]) out.push((c + t).normalize("NFC"));
  return out.join("") + "đĐCHẾkinhtế"; // no space: a line may break at one and not draw it
})();

// The fonts Chromium drew an element's text with (DevTools'
// CSS.getPlatformFontsForNode): one font means no letter fell back to
// another, so no stacked mark is drawn from two fonts or beside its letter.
async function fontsOf(page, selector) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument", { depth: -1 });
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
  assert.ok(nodeId, `${selector} is on the page`);
  const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
  await cdp.detach();
  return fonts;
}

// The text the page shows that no catalogue string accounts for: every text
// node and title, aria-label and placeholder outside what comes from the
// index or the query (passages, files, codes, dates, years, examples) must
// be one of `strings`' values, its {names} standing for anything.
async function untranslated(page, strings) {
  return page.evaluate((values) => {
    const templates = values.map((v) => new RegExp("^" + v.trim().split(/\{\w+\}/)
      .map((x) => x.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("[^]*") + "$"));
    const known = (text) => !/\p{L}/u.test(text) || templates.some((r) => r.test(text.trim()));
    const data = ".brand, #q, #lang, .snippet, .text, .heading, .loc, .badge.fw, .badge.fw-also, .badge.date, " +
      "#fw-list .code, #fw-list label, #year-axis, #intro button, #reader-title, #reader-body, " +
      "#restorations .word, #restorations button, #suggestion button, code:not([data-i18n]), #export-csv, " +
      "#export-json, #like-banner, title, script, style";
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const e = n.parentElement;
      if (e.closest(data) || e.closest("[hidden]") || !n.textContent.trim()) continue;
      if (!known(n.textContent)) out.push(n.textContent.trim());
    }
    for (const e of document.body.querySelectorAll("[title], [aria-label], [placeholder]")) {
      if (e.closest(data) && !e.matches("[data-i18n-attr]")) continue;
      for (const a of ["title", "aria-label", "placeholder"])
        if (e.hasAttribute(a) && !(e.id === "q" && a === "placeholder") && !known(e.getAttribute(a)))
          out.push(a + ": " + e.getAttribute(a));
    }
    return out;
  }, Object.values(strings));
}

describe("Vietnamese and English (issue 28)", { timeout: 90000 }, () => {
  for (const viewport of [{ width: 1200, height: 900 }, { width: 375, height: 740 }]) {
    it(`follows a Vietnamese browser, every string from the catalogue, at ${viewport.width}px`, async () => {
      const vi = (await (await fetch(corpus.url + "/api/strings?lang=vi")).json()).strings;
      const en = (await (await fetch(corpus.url + "/api/strings?lang=en")).json()).strings;
      assert.deepEqual(Object.keys(vi), Object.keys(en), "the same strings in both");
      assert.ok(Object.entries(vi).filter(([id, text]) => id === text).length < 10, "Vietnamese, not the msgids");
      const page = await open(corpus, "?q=hop+tac+Mekong+Nhat+Ban&from=2018", viewport, { locale: "vi-VN" });
      assert.equal(await page.evaluate(() => document.documentElement.lang), "vi");
      assert.equal(await page.locator("#search button.primary").textContent(), vi["Search"]);
      assert.match(await page.locator("#status").textContent(), /^10 trong số \d+ đoạn khớp$/);
      if (viewport.width < 720) await page.locator("#filters-toggle").click();
      await page.locator("details.syntax summary").click();
      await page.locator("#hits li.hit .body").first().click();
      assert.deepEqual(await untranslated(page, vi), [], "no text outside the catalogue");
      await page.locator("#hits li.hit .loc").first().click();
      await page.waitForFunction(() => document.body.dataset.reader);
      assert.deepEqual(await untranslated(page, vi), [], "the reader too");
      const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
      await close(page);
    });
  }

  it("switches language, and remembers the choice over the browser's", async () => {
    const page = await open(corpus, "?q=Motegi", { width: 1200, height: 900 }, { locale: "vi-VN" });
    assert.equal(await page.locator("#lang").inputValue(), "vi");
    await searched(page, () => page.selectOption("#lang", "en"));
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    assert.equal(await page.locator("#search button.primary").textContent(), "Search");
    assert.match(await page.locator("#status").textContent(), /^\d+ of \d+ matching passages?$/);
    assert.equal(await page.locator("#hits li.hit .similar").first().textContent(), "Similar");
    assert.equal(await page.evaluate(() => localStorage.getItem("vnsearch-lang")), "en");
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state === "done");
    assert.equal(await page.locator("#lang").inputValue(), "en", "remembered over the browser's vi");
    assert.equal(await page.locator("#exact + span").textContent(), "Exact diacritics");
    await searched(page, () => page.selectOption("#lang", "vi"));
    assert.equal(await page.locator("#hits li.hit .similar").first().textContent(), "Tương tự");
    await close(page);
  });

  it("marks a hit read by OCR, with its confidence, in both languages (issue 27)", async () => {
    const want = await api(scan, { q: "Hội nghị Bộ trưởng", n: 10 });
    assert.ok(want.hits.length === 1 && want.hits[0].ocr === true, "the scan's line is found, read by OCR");
    const n = want.hits[0].ocr_confidence;
    for (const [locale, label, tip] of [["en-US", `OCR ${n}%`, /^Read from a scanned page by OCR, mean confidence \d+%/],
      ["vi-VN", `OCR ${n}%`, /^Đọc từ trang quét bằng OCR, độ tin cậy trung bình \d+%/]]) {
      const page = await open(scan, "?q=H%E1%BB%99i+ngh%E1%BB%8B+B%E1%BB%99+tr%C6%B0%E1%BB%9Fng",
        { width: 1200, height: 900 }, { locale });
      const badge = page.locator("#hits li.hit .badge.ocr");
      assert.equal(await badge.textContent(), label);
      assert.match(await badge.getAttribute("title"), tip);
      await close(page);
    }
    const plain = await open(corpus, "?q=Motegi");
    assert.equal(await plain.locator("#hits li.hit .badge.ocr").count(), 0, "text files have no OCR badge");
    await close(plain);
  });

  it("answers an unknown language with a 400", async () => {
    for (const q of ["lang=fr", "", "lang=vi&x=1", "lang=en&lang=vi"]) {
      const r = await fetch(corpus.url + "/api/strings?" + q);
      assert.equal(r.status, 400, q);
    }
  });
});

describe("the year histogram (issue 28)", { timeout: 60000 }, () => {
  for (const width of [1200, 1024, 800, 721, 375, 320]) {
    it(`keeps 131 years of bars inside its panel at ${width}px`, async () => {
      const page = await open(years, "?q=hop+tac+Mekong+Nhat+Ban", { width, height: 900 });
      if (width < 720) {
        await page.locator("#filters-toggle").click();
        await page.waitForFunction(() => document.querySelector("#year-axis span"));
      }
      assert.equal(await page.locator("#years button").count(), 131);
      const out = await page.evaluate(() => {
        const panel = document.getElementById("year-panel").getBoundingClientRect();
        const bad = [];
        for (const e of document.querySelectorAll("#years button, #year-axis span")) {
          const r = e.getBoundingClientRect();
          if (r.left < panel.left - 0.5 || r.right > panel.right + 0.5 || r.top < panel.top || r.bottom > panel.bottom)
            bad.push(`${e.dataset.year} ${e.tagName} ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
        return { panel: [Math.round(panel.left), Math.round(panel.right)], bad };
      });
      assert.deepEqual(out.bad, [], `every bar and label inside the panel ${out.panel}`);
      const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(widths[0] <= widths[1], `no sideways scrolling: ${widths}`);
      await close(page);
    });
  }
});

describe("typography (issue 28)", { timeout: 60000 }, () => {
  it("draws every Vietnamese letter of every place text goes in one font that has them all", async () => {
    const page = await open(corpus, "?q=hoi+nghi+cap+cao");
    const first = page.locator("#hits li.hit").first();
    await first.locator(".loc").click();
    await page.waitForFunction(() => document.body.dataset.reader);
    const places = ["#hits .loc", "#hits .snippet", "#hits .heading", "#hits .badge.date", "#hits .similar",
      "#reader-title", "#reader-body .pid", "#reader-body p", "#status", "details.syntax code", ".examples button",
      "#fw-list .code", "#year-range"];
    // one glyph a letter: a font without the precomposed letter has it
    // drawn as a base and marks side by side (DejaVu Sans Mono: "CHÊ´")
    const letters = Array.from(VIETNAMESE).length;
    for (const selector of places) {
      await page.$eval(selector, (e, text) => {
        for (let up = e; up; up = up.parentElement) up.hidden = false;
        if (e.closest("details")) e.closest("details").open = true;
        e.textContent = text;
      }, VIETNAMESE);
      const fonts = await fontsOf(page, selector);
      assert.equal(fonts.length, 1, `${selector}: one font for every letter, not ${JSON.stringify(fonts)}`);
      assert.equal(fonts[0].glyphCount, letters, `${selector}: one glyph a letter: ${JSON.stringify(fonts)}`);
      assert.doesNotMatch(fonts[0].familyName, /mono/i, `${selector}: not a monospace font`);
    }
    await close(page);
  });

  it("draws the page of a document in one font that has every letter", async () => {
    const page = await open(word);
    await page.goto(word.url + "/document?view=html&file=dossier.docx");
    for (const selector of ["header h1", "#toc a", "main p", "main h2"]) {
      await page.$eval(selector, (e, text) => { e.textContent = text; }, VIETNAMESE);
      const fonts = await fontsOf(page, selector);
      assert.equal(fonts.length, 1, `${selector}: one font for every letter, not ${JSON.stringify(fonts)}`);
      assert.equal(fonts[0].glyphCount, Array.from(VIETNAMESE).length, `${selector}: one glyph a letter`);
    }
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
