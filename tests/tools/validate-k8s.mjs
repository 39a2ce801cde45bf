#!/usr/bin/env node
// Validates Kubernetes manifests against the API's schemas (the npm package
// kubernetes-models), without a cluster: every YAML document of every file
// given (or every *.yaml of a folder given) must be an object of a known
// apiVersion and kind that its schema accepts, with a name, and with no
// top-level field the API does not have (the schemas let unknown fields
// through, as a server without strict validation would).
//
// usage: validate-k8s.mjs FILE|DIR...
// Prints "ok FILE: KIND NAME" or "invalid FILE: KIND NAME: why" per object;
// exits 0 when all are valid, 1 when any is not, 2 when it cannot run.
// The packages come from the repository's node_modules, or from the folder
// named by SHORTLIST_K8S_NODE_MODULES (where a test installed them).
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = process.env.SHORTLIST_K8S_NODE_MODULES || path.join(here, "..", "..", "node_modules");
if (!existsSync(path.join(modules, "kubernetes-models")) || !existsSync(path.join(modules, "yaml"))) {
	console.error(`validate-k8s: kubernetes-models and yaml are not installed in ${modules}`);
	process.exit(2);
}
const YAML = createRequire(path.join(modules, "noop.js"))("yaml");

// Top-level fields of the kinds used here (anything else is a typo the schemas would let through).
const TOP = new Set(["apiVersion", "kind", "metadata", "spec", "data", "stringData", "binaryData", "type", "immutable"]);

function files(args) {
	const out = [];
	for (const a of args) {
		if (statSync(a).isDirectory()) {
			for (const f of readdirSync(a).sort()) if (/\.ya?ml$/.test(f)) out.push(path.join(a, f));
		} else {
			out.push(a);
		}
	}
	return out;
}

// The model class of apiVersion/kind: kubernetes-models/GROUP/VERSION/KIND.js ("v1" is the core group).
async function modelOf(apiVersion, kind) {
	const parts = String(apiVersion).split("/");
	if (!/^[A-Za-z]+$/.test(kind) || parts.some((p) => !/^[a-z0-9.]+$/.test(p))) return null;
	const file = path.join(modules, "kubernetes-models", ...parts, `${kind}.js`);
	if (!existsSync(file)) return null;
	const mod = await import(pathToFileURL(file).href);
	return mod[kind] || null;
}

async function check(file, doc) {
	if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return "not an object";
	if (!doc.apiVersion || !doc.kind) return "apiVersion and kind are required";
	const unknown = Object.keys(doc).filter((k) => !TOP.has(k));
	if (unknown.length) return `unknown top-level field ${unknown.join(", ")}`;
	if (!doc.metadata || !doc.metadata.name) return "metadata.name is required";
	const Model = await modelOf(doc.apiVersion, doc.kind);
	if (!Model) return `unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`;
	try {
		new Model(doc).validate();
	} catch (e) {
		return (e && e.message ? e.message : String(e)).replace(/\s+/g, " ");
	}
	return null;
}

const args = process.argv.slice(2);
if (!args.length) {
	console.error("usage: validate-k8s.mjs FILE|DIR...");
	process.exit(2);
}
let bad = 0,
	count = 0;
for (const file of files(args)) {
	const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
	for (const d of docs) {
		let why, obj;
		if (d.errors.length) {
			why = `YAML: ${d.errors[0].message}`.replace(/\s+/g, " ");
		} else {
			obj = d.toJS();
			if (obj === null || obj === undefined) continue; // an empty document (a trailing ---)
			why = await check(file, obj);
		}
		const what = obj && typeof obj === "object" ? `${obj.kind || "?"} ${(obj.metadata && obj.metadata.name) || "?"}` : "?";
		count++;
		if (why) {
			bad++;
			console.log(`invalid ${file}: ${what}: ${why}`);
		} else {
			console.log(`ok ${file}: ${what}`);
		}
	}
}
if (!count) {
	console.log("invalid: no Kubernetes object found");
	process.exit(1);
}
process.exit(bad ? 1 : 0);
