// The reviewer's day in a real headless Chromium, against a running `callreview serve`.
//
//   node tests/browser/review_flow.mjs CONFIG.json
//
// CONFIG: {"base": "http://127.0.0.1:PORT", "calls": {sample: id}, "password": "...",
//          "shots": "folder for screenshots", "report": "folder of `export --html`"}
// Prints one JSON object of what it saw; tests/test_web_browser.py asserts it.
// Playwright's library only (npm playwright-core), driving Debian's /usr/bin/chromium.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
// the buttons' words in the page's language (the test reads them from the catalogs)
const words = { override: "Override", save: "Save override", appeal: "Appeal", file: "File appeal",
  decide: "Decide", logout: "Log out", ...(config.words || {}) };
const out = { dialogs: [], console_errors: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"],
});

async function session() {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: config.locale || "zh-CN" });
  const page = await context.newPage();
  page.on("dialog", async (d) => { out.dialogs.push(d.message()); await d.dismiss(); });
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  return { context, page };
}

async function login(page, name) {
  await page.goto(config.base + "/login");
  await page.fill("input[name=name]", name);
  await page.fill("input[name=password]", config.password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  return new URL(page.url()).pathname;
}

async function rows(page) {
  return page.$$eval("tr.call-row", (trs) => trs.map((tr) => Number(tr.dataset.call)));
}

async function playingNear(page, start) {
  // wait until the player has moved to the line and is playing
  await page.waitForFunction(
    (s) => { const a = document.getElementById("player"); return a && !a.paused && a.currentTime >= s - 0.5 && a.currentTime <= s + 1.5; },
    start, { timeout: 15000 },
  );
  return page.evaluate(() => { const a = document.getElementById("player"); return { currentTime: a.currentTime, paused: a.paused, duration: a.duration }; });
}

async function fresh(page) {
  // the page loaded again without its #t= link (a reload would keep it and play from there)
  const url = new URL(page.url());
  url.hash = "";
  await page.goto("about:blank");
  await page.goto(url.href);
}

const ids = config.calls;
try {
  // --- a reviewer: log in, the queue, filters, a call, evidence → audio ---------------------
  {
    const { context, page } = await session();
    out.reviewer_landing = await login(page, "rita");
    out.queue_all = await rows(page);
    await page.screenshot({ path: join(config.shots, `screenshot-queue${config.suffix || ""}.png`), fullPage: false });

    await page.selectOption("select[name=agent]", "A002");
    await Promise.all([page.waitForNavigation(), page.click("#filters button[type=submit]")]);
    out.queue_agent_A002 = await rows(page);
    out.queue_agent_url = new URL(page.url()).search;
    await page.selectOption("select[name=failed]", "greeting");
    await Promise.all([page.waitForNavigation(), page.click("#filters button[type=submit]")]);
    out.queue_A002_failed_greeting = await rows(page);

    await page.goto(config.base + "/queue?sort=score&dir=asc");
    out.queue_by_score = await page.$$eval("tr.call-row td.score", (tds) => tds.map((td) => parseFloat(td.textContent)));

    // open the forbidden-phrase call from the queue, click its first forbidden phrase
    await Promise.all([page.waitForNavigation(), page.click(`tr.call-row[data-call="${ids["07_forbidden"]}"] a.call-link`)]);
    out.call_path = new URL(page.url()).pathname;
    const moment = page.locator("#item-forbidden .moment").first();
    const start = parseFloat(await moment.getAttribute("data-start"));
    await moment.click();
    out.evidence_click = { start, ...(await playingNear(page, start)) };
    out.evidence_click_hash = new URL(page.url()).hash;  // the moment's link, in the URL
    // a transcript line
    const line = page.locator(".line[data-start]").nth(4);
    const lineStart = parseFloat(await line.getAttribute("data-start"));
    await line.click();
    out.transcript_click = { start: lineStart, ...(await playingNear(page, lineStart)) };
    out.transcript_click_hash = new URL(page.url()).hash;
    // a moment's link opened afresh: the player starts there and the turn is marked
    {
      const linkPage = await context.newPage();
      const linkStart = await page.locator(".line[data-start]").nth(6).getAttribute("data-start");
      await linkPage.goto(config.base + `/calls/${ids["07_forbidden"]}#t=${linkStart}`);
      out.link_open = {
        start: parseFloat(linkStart),
        ...(await playingNear(linkPage, parseFloat(linkStart))),
        linked: await linkPage.$$eval(".line.linked", (els) => els.map((e) => e.dataset.start)),
      };
      await linkPage.close();
    }
    // keyboard: space pauses and plays; on a fresh page j goes to the first evidence, j to the next, k back
    await page.locator("h1").click();
    await page.keyboard.press(" ");
    await page.waitForFunction(() => document.getElementById("player").paused, null, { timeout: 5000 });
    out.space_paused = true;
    await page.keyboard.press(" ");
    await page.waitForFunction(() => !document.getElementById("player").paused, null, { timeout: 5000 });
    out.space_played = true;
    await fresh(page);  // without the moment's link the clicks wrote into the URL
    await page.locator("h1").click();
    const starts = await page.$$eval(".moment[data-start]", (els) => els.map((e) => parseFloat(e.dataset.start)));
    await page.keyboard.press("j");
    out.key_j = { expected: starts[0], ...(await playingNear(page, starts[0])) };
    await page.keyboard.press("j");
    out.key_j2 = { expected: starts[1], ...(await playingNear(page, starts[1])) };
    await page.keyboard.press("k");
    out.key_k = { expected: starts[0], ...(await playingNear(page, starts[0])) };
    // the call page's screenshot: a fresh page, a forbidden phrase playing, tall enough to show it
    await page.setViewportSize({ width: 1360, height: 1560 });
    await fresh(page);
    await page.locator("#item-forbidden .moment").first().click();
    await playingNear(page, start);
    await page.evaluate(() => document.getElementById("player").pause());
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(config.shots, `screenshot-call${config.suffix || ""}.png`), fullPage: false });
    await page.setViewportSize({ width: 1360, height: 900 });

    // --- override an item: score shown changes, automatic result stays, history lists it ---
    await page.goto(config.base + `/calls/${ids["02_no_greeting"]}`);
    out.override_before = { score: (await page.textContent("#final-score")).trim(), auto: await page.locator("#auto-score").count() };
    await page.click(`#item-greeting a:has-text('${words.override}')`);
    await page.waitForURL(/override\?item=greeting/);
    await page.check("input[name=status][value=pass]");
    await page.fill("textarea[name=note]", "Listened: the agent greeted with 您好 before the line cut in <b>bold</b>.");
    await Promise.all([page.waitForNavigation(), page.click(`button:has-text('${words.save}')`)]);
    out.override_after = {
      flash: (await page.textContent(".flash")).trim(),
      score: (await page.textContent("#final-score")).trim(),
      auto: (await page.textContent("#auto-score")).trim(),
      greeting_status: (await page.textContent("#item-greeting .verdict .pill")).trim(),
      greeting_was: (await page.textContent("#item-greeting .was")).replace(/\s+/g, " ").trim(),
      history: await page.$$eval("#history tr.change", (trs) => trs.map((tr) => Array.from(tr.cells).map((c) => c.textContent.trim()))),
    };
    await context.close();
  }

  // --- an agent: own call, an appeal; another agent's call and the override form: 403 ------
  {
    const { context, page } = await session();
    out.agent_landing = await login(page, "ann");
    out.agent_rows = await rows(page);
    await page.goto(config.base + `/calls/${ids["07_forbidden"]}`);
    out.agent_override_links = await page.locator(`a:has-text('${words.override}')`).count();
    await page.click(`#item-forbidden summary:has-text('${words.appeal}')`);
    await page.fill("#item-forbidden textarea[name=reason]", "这不可能 was about the parcel system, not the customer.");
    await Promise.all([page.waitForNavigation(), page.click(`#item-forbidden button:has-text('${words.file}')`)]);
    out.appeal_filed = await page.$$eval("#appeals .appeal", (els) => els.map((e) => e.querySelector(".astatus").textContent.trim()));
    const other = await page.goto(config.base + `/calls/${ids["02_no_greeting"]}`);
    out.agent_other_call_status = other.status();
    const form = await page.goto(config.base + `/calls/${ids["07_forbidden"]}/override?item=forbidden`);
    out.agent_override_form_status = form.status();
    const queue = await page.goto(config.base + "/queue");
    out.agent_queue_status = queue.status();
    await context.close();
  }

  // --- a supervisor: the open appeal in the queue, overturned ------------------------------
  {
    const { context, page } = await session();
    await login(page, "sam");
    await page.goto(config.base + "/queue?appeals=open");
    out.open_appeal_rows = await rows(page);
    await page.goto(config.base + `/calls/${ids["07_forbidden"]}`);
    out.supervisor_score_before = (await page.textContent("#final-score")).trim();
    await page.check("#appeals input[name=decision][value=overturned]");
    await page.fill("#appeals input[name=note]", "Agreed: said of the system, not to the customer.");
    await Promise.all([page.waitForNavigation(), page.click(`#appeals button:has-text('${words.decide}')`)]);
    out.appeal_decided = await page.$$eval("#appeals .appeal", (els) => els.map((e) => e.querySelector(".astatus").textContent.trim()));
    out.supervisor_score_after = (await page.textContent("#final-score")).trim();
    await page.goto(config.base + "/queue?appeals=open");
    out.open_appeal_rows_after = await rows(page);

    // --- transcript text with <script>: text, never run ------------------------------------
    await page.goto(config.base + `/calls/${ids["xss_01_perfect"]}`);
    out.xss_app_text = await page.$$eval(".line .text", (els) => els.map((e) => e.textContent).filter((t) => t.includes("alert")));
    out.xss_app_script_tags = await page.$$eval("script", (els) => els.map((e) => e.getAttribute("src") || "inline"));
    await page.goto(config.base + "/agents");
    out.agents_rows = await page.$$eval("table.agents tbody tr", (trs) => trs.map((tr) => tr.cells[0].textContent.trim()));
    out.agents_chart_series = await page.locator("svg.chart polyline.series").count();
    await page.goto(config.base + "/agreement");
    out.agreement = await page.$$eval("tr.agree-row", (trs) => trs.map((tr) => ({
      item: tr.dataset.item, count: tr.querySelector(".count").textContent.trim(),
      percent: tr.querySelector(".percent").textContent.trim(), kappa: tr.querySelector(".kappa").textContent.trim(),
    })));
    await context.close();
  }

  // --- a phone's width (390 px): Log out stays on screen ------------------------------------
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: config.locale || "zh-CN" });
    const page = await context.newPage();
    await login(page, "rita");
    out.narrow = {};
    for (const [name, path] of [["queue", "/queue"], ["call", `/calls/${ids["07_forbidden"]}`]]) {
      await page.goto(config.base + path);
      const box = await page.locator(`button:has-text('${words.logout}')`).boundingBox();
      out.narrow[name] = { left: box.x, right: box.x + box.width, viewport: await page.evaluate(() => window.innerWidth) };
    }
    await context.close();
  }

  // --- the static report, opened from the disk ---------------------------------------------
  if (config.report) {
    const { context, page } = await session();
    await page.goto(pathToFileURL(join(config.report, "index.html")).href);
    out.report_rows = await rows(page);
    await page.goto(pathToFileURL(join(config.report, `call-${ids["xss_01_perfect"]}.html`)).href);
    out.xss_report_text = await page.$$eval(".line .text", (els) => els.map((e) => e.textContent).filter((t) => t.includes("alert")));
    out.report_forms = await page.locator("form").count();
    await page.goto(pathToFileURL(join(config.report, `call-${ids["07_forbidden"]}.html`)).href);
    const m = page.locator("#item-forbidden .moment").first();
    const s = parseFloat(await m.getAttribute("data-start"));
    await m.click();
    out.report_evidence_click = { start: s, ...(await playingNear(page, s)) };
    await context.close();
  }
} catch (err) {
  out.error = String(err && err.stack || err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
