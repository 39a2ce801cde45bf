// charts: bar and line charts drawn as SVG from numbers, with text for screen readers and a title on every mark.
// Every mark is made with createElementNS and textContent, so nothing from the API is parsed as markup; colours
// come from classes in app.css (the page's policy allows no inline style).
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 220;
const PAD = { top: 12, right: 30, bottom: 34, left: 72 };

function s(tag, attrs, ...children) {
	const el = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
	for (const c of children) if (c !== null && c !== undefined) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
	return el;
}

// A round number at or above max, so the axis ends on a readable value (at least 1).
function niceMax(max) {
	if (!(max > 0)) return 1;
	const p = 10 ** Math.floor(Math.log10(max));
	for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
	return 10 * p;
}

// The x labels to print: all of them when few, else about six spread evenly (the first and last always).
// Every other one is "minor", which a narrow screen leaves out (app.css).
function labelIndexes(n) {
	if (n <= 12) return [...Array(n).keys()];
	const step = Math.ceil((n - 1) / 6);
	const out = [];
	for (let i = 0; i < n; i += step) out.push(i);
	const last = out[out.length - 1];
	if (last !== n - 1) {
		if (n - 1 - last < step / 2) out.pop(); /* too near the end to print both */
		out.push(n - 1);
	}
	return out;
}

function frame(label, max, fmt) {
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart-svg', preserveAspectRatio: 'xMidYMid meet' });
	const y0 = H - PAD.bottom;
	for (const f of [0, 0.5, 1]) {
		const y = y0 - f * (y0 - PAD.top);
		svg.appendChild(s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }));
		svg.appendChild(s('text', { class: 'axis', x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, fmt(max * f)));
	}
	return svg;
}

function xTicks(svg, labels, ticks, xAt) {
	const at = labelIndexes(labels.length);
	at.forEach((i, k) => {
		const minor = k % 2 === 1 && k !== at.length - 1;
		svg.appendChild(s('text', { class: minor ? 'axis minor' : 'axis', x: xAt(i).toFixed(2), y: H - PAD.bottom + 16, 'text-anchor': 'middle' },
			(ticks || labels)[i]));
	});
}

function legend(series) {
	if (series.length < 2) return null;
	return h('ul.chart-legend', series.map((se, i) => h('li', h(`span.swatch.series-${i}`, { 'aria-hidden': 'true' }), se.name)));
}

// The chart's figure: a caption, the SVG, a legend when several series, and a note (such as "no data yet").
function figure(name, title, svg, series, note) {
	return h('figure.chart', { dataset: { chart: name } }, h('figcaption', title), svg, legend(series), note ? h('p.muted.small', note) : null);
}

function total(series) {
	return series.reduce((t, se) => t + se.values.reduce((a, v) => a + (typeof v === 'number' ? v : 0), 0), 0);
}

// Bars: one group per label, one bar per series in it (class "bar series-N"); each bar's title is its label and value.
// opts: { name, title, labels, ticks (shorter labels for the axis; default labels), series: [{ name, values }], fmt (axis
// and titles), empty (note when all are zero) }.
export function barChart(opts) {
	const { labels, series } = opts;
	const fmt = opts.fmt || ((v) => String(Math.round(v)));
	const max = niceMax(Math.max(0, ...series.flatMap((se) => se.values.filter((v) => typeof v === 'number'))));
	const svg = frame(opts.title, max, fmt);
	const y0 = H - PAD.bottom;
	const slot = (W - PAD.left - PAD.right) / Math.max(1, labels.length);
	const gap = slot > 8 ? slot * 0.2 : 0;
	const bw = Math.max(0.5, (slot - gap) / series.length);
	labels.forEach((lab, i) => {
		series.forEach((se, k) => {
			const v = typeof se.values[i] === 'number' ? se.values[i] : 0;
			const bh = (v / max) * (y0 - PAD.top);
			const x = PAD.left + i * slot + gap / 2 + k * bw;
			svg.appendChild(s('rect', { class: `bar series-${k}`, x: x.toFixed(2), y: (y0 - bh).toFixed(2), width: bw.toFixed(2),
				height: bh.toFixed(2) }, s('title', {}, `${lab}${series.length > 1 ? ` · ${se.name}` : ''}: ${fmt(v)}`)));
		});
	});
	xTicks(svg, labels, opts.ticks, (i) => PAD.left + (i + 0.5) * slot);
	return figure(opts.name, opts.title, svg, series, total(series) === 0 ? opts.empty : null);
}

// Lines: one polyline per series through its points (a "point series-N" circle per number; null leaves a gap).
// opts as barChart's; the empty note shows when no value is a number (a zero is a measure).
export function lineChart(opts) {
	const { labels, series } = opts;
	const fmt = opts.fmt || ((v) => String(Math.round(v)));
	const max = niceMax(Math.max(0, ...series.flatMap((se) => se.values.filter((v) => typeof v === 'number'))));
	const svg = frame(opts.title, max, fmt);
	const y0 = H - PAD.bottom;
	const step = (W - PAD.left - PAD.right) / Math.max(1, labels.length);
	const xAt = (i) => PAD.left + (i + 0.5) * step;
	const yAt = (v) => y0 - (v / max) * (y0 - PAD.top);
	const r = labels.length > 60 ? 1.5 : 3;
	series.forEach((se, k) => {
		let run = [];
		const flush = () => {
			if (run.length > 1) svg.appendChild(s('polyline', { class: `line series-${k}`, points: run.join(' ') }));
			run = [];
		};
		se.values.forEach((v, i) => {
			if (typeof v !== 'number') {
				flush();
				return;
			}
			run.push(`${xAt(i).toFixed(2)},${yAt(v).toFixed(2)}`);
		});
		flush();
		se.values.forEach((v, i) => {
			if (typeof v !== 'number') return;
			svg.appendChild(s('circle', { class: `point series-${k}`, cx: xAt(i).toFixed(2), cy: yAt(v).toFixed(2), r },
				s('title', {}, `${labels[i]}${series.length > 1 ? ` · ${se.name}` : ''}: ${fmt(v)}`)));
		});
	});
	xTicks(svg, labels, opts.ticks, xAt);
	const points = series.reduce((n, se) => n + se.values.filter((v) => typeof v === 'number').length, 0);
	return figure(opts.name, opts.title, svg, series, points === 0 ? opts.empty : null);
}
