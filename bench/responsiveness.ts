/**
 * Issue 26's figures in the real workbench (vigil serve + Chromium), timed from the analyst's input
 * to the frame that shows the result, with long tasks (PerformanceObserver) on the main thread:
 * - responsiveness-220k: a generated 220,000-line auth case (test/big-auth-log.ts): the graph at
 *   5,000 vertices (layout, a navigation click meanwhile, zooming with the time the view's worker
 *   takes to draw each frame, a return visit), a search with
 *   more matches than the list holds paged to its last match, an incident of ~18,000 lines paged
 *   to its end.
 * - timelines-190k: the shared Apache log repeated to 190,000 real lines over 11 weeks
 *   (test/apache-repeated.ts): opening Timelines, hovering across the charts, brushing.
 * Cases are built once with `vigil analyze` and kept in .bench/.
 * Standalone: npx tsx bench/responsiveness.ts [graph|timelines]
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { writeRepeatedAccessLog } from '../test/apache-repeated';
import { BIG_ACTOR, writeBigAuthLog } from '../test/big-auth-log';
import { ROOT, SHARED_DATA } from '../test/paths';
import { BENCH_DIR, percentile } from './util';

/** A case analysed from `log` once, kept beside the other bench inputs. */
function analysedCase(log: string, name: string): string {
  const path = join(BENCH_DIR, `${name}.vigil`);
  if (!existsSync(path)) execFileSync(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'analyze', log, '--case', path, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path;
}

/** The workbench on a copy of `casePath`, in Chromium; `fn` gets the page. */
async function withWorkbench<T>(casePath: string, fn: (page: Page, browser: Browser) => Promise<T>): Promise<T> {
  const { chromium } = await import('@playwright/test');
  const executablePath = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-resp-'));
  copyFileSync(casePath, join(dir, 'case.vigil'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--case', join(dir, 'case.vigil')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((res, rej) => {
      let out = '';
      const timer = setTimeout(() => rej(new Error('vigil serve did not start')), 60_000);
      child.stdout!.on('data', (d) => {
        out += String(d);
        const m = /workbench: (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      });
    });
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(url);
      await page.evaluate(`(() => {
        globalThis.__long = [];
        globalThis.__input = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__long.push(e.duration); }).observe({ type: 'longtask' });
        new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__input.push([e.name, e.duration]); }).observe({ type: 'event', durationThreshold: 16 });
      })()`);
      return await fn(page, browser);
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const longTasks = async (page: Page) => (await page.evaluate(`(() => { const l = globalThis.__long; globalThis.__long = []; return l; })()`)) as number[];
const inputs = async (page: Page) => (await page.evaluate(`(() => { const l = globalThis.__input; globalThis.__input = []; return l; })()`)) as [string, number][];
const maxOf = (xs: number[]) => Math.round(Math.max(0, ...xs));

/** Frame intervals (ms) while `fn` runs. */
async function frames(page: Page, fn: () => Promise<void>): Promise<number[]> {
  await page.evaluate(`(() => { globalThis.__frames = []; globalThis.__stop = false; let last = performance.now();
    const tick = (t) => { globalThis.__frames.push(t - last); last = t; if (!globalThis.__stop) requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`);
  await fn();
  return ((await page.evaluate(`(() => { globalThis.__stop = true; return globalThis.__frames.slice(1); })()`)) as number[]).map((x) => Math.round(x));
}

async function graphFigures(page: Page): Promise<Record<string, number>> {
  const canvas = page.getByTestId('graph-canvas');
  const done5000 = page.locator('[data-testid=graph-canvas][data-nodes="5000"][data-layout=done]');
  await page.getByRole('button', { name: /Graph/ }).first().click();
  await page.locator('[data-testid=graph-canvas][data-layout=done]').waitFor({ timeout: 120_000 });
  // PageRank and communities computed, as after an import in the workbench (`vigil analyze` may
  // exit before its background computation of a big graph ends): the slices carry them.
  await page.getByRole('button', { name: 'Recompute' }).click();
  await page.locator('button:text-is("Recompute"):enabled').waitFor({ timeout: 300_000 });
  await page.getByTestId('graph-side').getByText(/communities of two or more/).waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=graph-canvas][data-layout=done]').waitFor({ timeout: 120_000 });
  await longTasks(page);
  let t = Date.now();
  await page.getByLabel('Vertices shown').selectOption('5000');
  await page.locator('[data-testid=graph-canvas][data-nodes="5000"]').waitFor({ timeout: 120_000 });
  const firstDrawMs = Date.now() - t;
  // Navigation clicks while the layout runs: input to the next frame (Event Timing).
  const navClicks: number[] = [];
  for (const view of [/Settings/, /Graph/]) {
    await inputs(page);
    await page.getByRole('button', { name: view }).first().click();
    await page.waitForTimeout(300);
    navClicks.push(maxOf((await inputs(page)).filter(([n]) => n === 'click' || n === 'pointerup').map(([, d]) => d)));
  }
  t = Date.now();
  await done5000.waitFor({ timeout: 600_000 });
  const layoutWallMs = Date.now() - t;
  const layoutWorkerMs = Number(await canvas.getAttribute('data-layout-ms'));
  const openLong = await longTasks(page);
  // Zoom in and out around the middle, three times.
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // The frames the view's worker draws meanwhile (the main thread's frames are counted apart).
  await canvas.evaluate((el) => {
    const w = globalThis as unknown as { __graphFrames: [number, boolean][] };
    w.__graphFrames = [];
    el.addEventListener('graphframe', (e: Event) => {
      const { ms, light } = (e as CustomEvent<{ ms: number; light: boolean }>).detail;
      w.__graphFrames.push([ms, light]);
    });
  });
  const zoomFrames = await frames(page, async () => {
    for (let round = 0; round < 3; round++)
      for (const dy of [-240, -240, -240, -240, 240, 240, 240, 240]) {
        await page.mouse.wheel(0, dy);
        await page.waitForTimeout(60);
      }
    await page.waitForTimeout(400);
  });
  const zoomLong = await longTasks(page);
  const drawn = (await page.evaluate(`globalThis.__graphFrames`)) as [number, boolean][];
  const drawMs = drawn.map(([ms]) => ms);
  const fullMs = drawn.filter(([, light]) => !light).map(([ms]) => ms);
  // A return visit: from the layout cache.
  await page.getByRole('button', { name: /Settings/ }).first().click();
  await page.getByRole('radio', { name: 'Light' }).waitFor();
  await longTasks(page);
  t = Date.now();
  await page.getByRole('button', { name: /Graph/ }).first().click();
  await done5000.waitFor({ timeout: 60_000 });
  const returnMs = Date.now() - t;
  const returnCached = (await canvas.getAttribute('data-layout-cached')) === 'yes' ? 1 : 0;
  const returnLong = await longTasks(page);
  return {
    graph_5000_first_draw_ms: firstDrawMs,
    graph_5000_layout_wall_ms: layoutWallMs,
    graph_5000_layout_worker_ms: layoutWorkerMs,
    graph_open_max_long_task_ms: maxOf(openLong),
    graph_nav_click_answer_ms: Math.max(...navClicks),
    graph_zoom_frames: zoomFrames.length,
    graph_zoom_frames_over_50ms: zoomFrames.filter((f) => f > 50).length,
    graph_zoom_p95_frame_ms: percentile(zoomFrames, 95),
    graph_zoom_max_long_task_ms: maxOf(zoomLong),
    graph_zoom_worker_frames: drawMs.length,
    // Drawing calls only: the rasterising after them is not in these.
    graph_zoom_worker_draw_p95_ms: Math.round(percentile(drawMs, 95)),
    graph_zoom_worker_draw_max_ms: maxOf(drawMs),
    graph_zoom_worker_full_frame_median_ms: Math.round(percentile(fullMs, 50)),
    graph_return_visit_ms: returnMs,
    graph_return_visit_cached: returnCached,
    graph_return_max_long_task_ms: maxOf(returnLong),
  };
}

async function searchFigures(page: Page): Promise<Record<string, number>> {
  await page.getByRole('button', { name: /Events/ }).first().click();
  const box = page.getByLabel('Search events');
  await box.fill('Failed');
  await longTasks(page);
  let t = Date.now();
  await box.press('Enter');
  await page.getByTestId('events-window').waitFor({ timeout: 60_000 });
  await page.locator('.event-item .cell.raw').first().waitFor();
  const firstRowsMs = Date.now() - t;
  const grid = page.getByRole('grid', { name: 'Matching lines' });
  const count = Number((await page.getByTestId('events-count').innerText()).replace(/\D/g, ''));
  t = Date.now();
  await page.getByTestId('events-window').getByRole('button', { name: /next 100,000/ }).click();
  await page.getByTestId('events-window').filter({ hasText: 'matches 100,001' }).waitFor();
  await page.locator('.event-item .cell.raw').first().waitFor();
  const nextWindowMs = Date.now() - t;
  t = Date.now();
  const lastIndex = count - 100_000 - 1;
  for (;;) {
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    if ((await page.locator(`.event-item[data-index="${lastIndex}"] .cell.raw`).count()) > 0) break;
    await page.waitForTimeout(20);
  }
  const lastMatchMs = Date.now() - t;
  return {
    search_matches: count,
    search_first_rows_ms: firstRowsMs,
    search_next_window_ms: nextWindowMs,
    search_scroll_to_last_match_ms: lastMatchMs,
    search_max_long_task_ms: maxOf(await longTasks(page)),
  };
}

async function evidenceFigures(page: Page): Promise<Record<string, number>> {
  await page.getByRole('button', { name: /Incidents/ }).first().click();
  await page.getByLabel('Search incidents').fill(`ip:${BIG_ACTOR}`);
  const row = page.getByTestId('incident-queue').getByRole('row').filter({ hasText: `from ${BIG_ACTOR}` }).first();
  await row.waitFor({ timeout: 60_000 });
  await longTasks(page);
  let t = Date.now();
  await row.dblclick();
  const count = page.getByTestId('evidence-count');
  await count.filter({ hasText: 'sampled' }).waitFor({ timeout: 60_000 });
  const openMs = Date.now() - t;
  const total = Number((await count.textContent())!.match(/of ([\d,]+) lines/i)![1]!.replace(/,/g, ''));
  await page.getByRole('button', { name: /^show all/ }).click();
  await page.getByTestId('incident-evidence-all').locator('.inc-line').first().waitFor();
  t = Date.now();
  await page.getByTestId('evidence-position').locator('..').getByRole('button', { name: 'last' }).click();
  await page.getByTestId('incident-evidence-all').locator(`[data-index="${total - 1}"]`).waitFor();
  const lastMs = Date.now() - t;
  return { evidence_lines: total, incident_open_ms: openMs, evidence_last_line_ms: lastMs, evidence_max_long_task_ms: maxOf(await longTasks(page)) };
}

export async function responsiveness220k(): Promise<Record<string, number>> {
  const log = await writeBigAuthLog(join(BENCH_DIR, 'big-auth-220k.log'), 220_000);
  const casePath = analysedCase(log, 'big-auth-220k');
  return withWorkbench(casePath, async (page) => ({ ...(await searchFigures(page)), ...(await evidenceFigures(page)), ...(await graphFigures(page)) }));
}

export async function timelines190k(): Promise<Record<string, number>> {
  const source = join(SHARED_DATA, 'elastic', 'apache_access.log');
  if (!existsSync(source)) throw new Error(`needs ${source} (third-party test data beside this clone)`);
  const log = await writeRepeatedAccessLog(source, join(BENCH_DIR, 'apache-190k.log'));
  const casePath = analysedCase(log, 'apache-190k');
  return withWorkbench(casePath, async (page) => {
    await longTasks(page);
    let t = Date.now();
    await page.getByRole('button', { name: /Timelines/ }).first().click();
    const chart = page.getByTestId('timeline-chart');
    await chart.locator('canvas').first().waitFor({ timeout: 60_000 });
    const openMs = Date.now() - t;
    await page.waitForTimeout(1000);
    const openLong = await longTasks(page);
    const box = (await chart.boundingBox())!;
    const bands = JSON.parse((await chart.getAttribute('data-bands'))!) as [number, number][];
    const hover = await frames(page, async () => {
      for (let pass = 0; pass < 2; pass++)
        for (let i = 0; i <= 80; i++) {
          const [top, h] = bands[(i >> 3) % bands.length]!;
          await page.mouse.move(box.x + 60 + (box.width - 90) * (i / 80), box.y + top + h / 2);
          await page.waitForTimeout(16);
        }
    });
    const hoverLong = await longTasks(page);
    const tipRows = await page.locator('.timeline-tip .chart-tip-row').count();
    const [top0, h0] = bands[0]!;
    const brush = await frames(page, async () => {
      await page.mouse.move(box.x + box.width * 0.3, box.y + top0 + h0 / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + top0 + h0 / 2, { steps: 20 });
      t = Date.now();
      await page.mouse.up();
      await page.locator('.timeline-events tr').first().waitFor();
      await page.waitForTimeout(800);
    });
    const brushLong = await longTasks(page);
    return {
      timelines_open_ms: openMs,
      timelines_open_max_long_task_ms: maxOf(openLong),
      hover_frames: hover.length,
      hover_frames_over_50ms: hover.filter((f) => f > 50).length,
      hover_p95_frame_ms: percentile(hover, 95),
      hover_max_frame_ms: maxOf(hover),
      hover_max_long_task_ms: maxOf(hoverLong),
      tooltip_rows: tipRows,
      brush_frames: brush.length,
      brush_frames_over_50ms: brush.filter((f) => f > 50).length,
      brush_max_frame_ms: maxOf(brush),
      brush_max_long_task_ms: maxOf(brushLong),
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const which = process.argv[2] ?? 'all';
  const run = async () => {
    if (which === 'all' || which === 'graph') console.log('responsiveness-220k', await responsiveness220k());
    if (which === 'all' || which === 'timelines') console.log('timelines-190k', await timelines190k());
  };
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

