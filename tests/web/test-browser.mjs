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
        return { year: Number(l.textContent), left: r.left, right: r.right };
      }));
      assert.ok(bars.length >= 15, `a long timeline: ${bars.length} years`);
      assert.ok(labels.length >= 3, `more labels than its two ends: ${JSON.stringify(labels)}`);
      assert.ok(labels.some((l) => l.year !== bars[0] && l.year !== bars[bars.length - 1]), "a year inside is named");
      for (const l of labels) {
        const bar = await page.locator(`#years button[data-year="${l.year}"]`).boundingBox();
        const middle = (l.left + l.right) / 2;
        assert.ok(bar && middle >= bar.x - 0.5 && middle <= bar.x + bar.width + 0.5, `${l.year} under its bar`);
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
