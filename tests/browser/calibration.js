// A calibration round in a real headless Chromium, against a running `callreview serve`.
//
//   node tests/browser/calibration.js CONFIG.json
//
// CONFIG: {"base": "http://127.0.0.1:PORT", "password": "...", "supervisor": "sam",
//          "plan": {reviewer: status every item gets}}
// The supervisor starts a round of two calls for the reviewers; each reviewer logs in, opens
// each call (through /calls/ID, which sends a blind reviewer to the round's page), notes what it
// shows, and submits; then the supervisor reads the per-reviewer figures. Prints one JSON object.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = { reviewers: {}, console_errors: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

async function login(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  await page.goto(config.base + "/login");
  await page.fill("input[name=name]", name);
  await page.fill("input[name=password]", config.password);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  return { context, page };
}

try {
  const names = Object.keys(config.plan);
  {
    const { context, page } = await login(config.supervisor);
    await page.goto(config.base + "/calibration");
    await page.fill("#start-round input[name=calls]", "2");
    for (const name of names) await page.check(`#start-round input[name=reviewers][value="${name}"]`);
    await Promise.all([page.waitForNavigation(), page.click("#start-round button[type=submit]")]);
    out.started_flash = (await page.textContent(".flash")) || "";
    await context.close();
  }
  for (const name of names) {
    const { context, page } = await login(name);
    await page.goto(config.base + "/calibration");
    const calls = await page.$$eval("a.round-call", (as) => as.map((a) => Number(a.dataset.call)));
    const seen = { calls, before: [], after: [] };
    for (const call of calls) {
      await page.goto(config.base + `/calls/${call}`);
      seen.before.push({
        path: new URL(page.url()).pathname,
        form: await page.$$eval("#blind-form select", (s) => s.length),
        revealed: await page.$$eval("#revealed", (t) => t.length),
        marks: await page.$$eval("td.mark", (t) => t.length),
        auto_cells: await page.$$eval("td.auto", (t) => t.length),
        score_shown: await page.$$eval("#final-score, #auto-score", (t) => t.length),
        transcript_lines: await page.$$eval("ol.lines li.line", (l) => l.length),
        audio: await page.$$eval("audio#player", (a) => a.length),
      });
      for (const select of await page.$$eval("#blind-form select", (s) => s.map((x) => x.name))) {
        await page.selectOption(`select[name="${select}"]`, config.plan[name]);
      }
      await Promise.all([page.waitForNavigation(), page.click("#blind-submit")]);
      seen.after.push({
        revealed: await page.$$eval("#revealed", (t) => t.length),
        reviewers: await page.$$eval("#revealed th.reviewer", (th) => th.map((x) => x.textContent.trim())),
        auto_cells: await page.$$eval("#revealed td.auto", (t) => t.length),
        form: await page.$$eval("#blind-form", (f) => f.length),
      });
    }
    out.reviewers[name] = seen;
    await context.close();
  }
  {
    const { context, page } = await login(config.supervisor);
    await page.goto(config.base + "/calibration");
    out.figures = await page.$$eval("tr.reviewer-row", (trs) => trs.map((tr) => ({
      reviewer: tr.dataset.reviewer,
      calls: tr.querySelector(".calls").textContent.trim(),
      bias: tr.querySelector(".bias").textContent.trim(),
      retrain: tr.querySelectorAll(".retrain").length,
    })));
    out.item_rows = await page.$$eval("tr.item-row", (trs) => trs.length);
    out.round_done = await page.$$eval(".round .pill.s-pass", (p) => p.length);
    await context.close();
  }
} catch (err) {
  out.error = String(err && err.stack || err);
}
await browser.close();
console.log(JSON.stringify(out));
