// Offline checks of rendered Kubernetes manifests (deploy/README.md,
// docs/deploy.md "Checks"):
//
//   node check.mjs schema FILE...   every object against its API schema
//   node check.mjs policy FILE...   every container: probes, resources,
//                                   non-root, a pinned image tag
//   node check.mjs adapter FILE     Prometheus adapter rules
//
// FILE holds one or more YAML documents ("-" reads stdin), e.g. the
// output of `kubectl kustomize deploy/k8s/overlays/prod`. Each problem
// is one line "FILE: Kind/name: what"; the last line counts objects and
// problems. Exit 0 when there are none, 1 when there are, 2 on usage.
//
// Schemas: kubernetes-models (the Kubernetes API), its
// prometheus-operator package (ServiceMonitor), and CloudNativePG's
// Cluster from its CRD, vendored in schemas/ (see schemas/README.md).
// The models check types, required fields and enums but accept unknown
// fields; the vendored CRD schemas refuse them, as the API server does
// with strict field validation.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));

function load(file) {
	const text = readFileSync(file === "-" ? 0 : file, "utf8");
	const objs = [];
	for (const doc of parseAllDocuments(text)) {
		if (doc.errors.length)
			throw new Error(`${file}: ${doc.errors[0].message}`);
		const o = doc.toJS();
		if (o !== null && o !== undefined)
			objs.push(o);
	}
	return objs;
}

function id(o) {
	return `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;
}

// ---- schema ----

// CRD schemas: an object with properties and no additionalProperties
// takes no other field (what the API server's strict validation does),
// unless the schema says it keeps unknown fields.
function strict(s) {
	if (Array.isArray(s))
		return s.map(strict);
	if (!s || typeof s !== "object")
		return s;
	const out = {};
	for (const [k, v] of Object.entries(s)) {
		if (k.startsWith("x-kubernetes-"))
			continue;
		out[k] = k === "properties" ?
			Object.fromEntries(Object.entries(v).map(([p, x]) => [p, strict(x)])) :
			strict(v);
	}
	if (s.properties && s.additionalProperties === undefined &&
	    !s["x-kubernetes-preserve-unknown-fields"])
		out.additionalProperties = false;
	if (s["x-kubernetes-int-or-string"])
		delete out.type;
	return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
// The formats of Kubernetes' OpenAPI that JSON Schema does not know.
ajv.addFormat("int32", {
	type: "number",
	validate: (x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31,
});
ajv.addFormat("int64", { type: "number", validate: Number.isSafeInteger });
// Vendored CRD schemas by apiVersion/kind, compiled when first needed.
const crdFiles = new Map([
	["postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io_v1_Cluster.json"],
]);
const crds = new Map();
function crdValidator(o) {
	const key = `${o.apiVersion}/${o.kind}`;
	if (!crdFiles.has(key))
		return null;
	if (!crds.has(key)) {
		const f = join(here, "schemas", crdFiles.get(key));
		const v = JSON.parse(readFileSync(f, "utf8"));
		// apiVersion, kind and metadata are the API server's; the CRD
		// schema describes spec and status.
		const s = strict(v.schema);
		s.properties.metadata = { type: "object" };
		crds.set(key, ajv.compile(s));
	}
	return crds.get(key);
}

// apiVersion + kind -> the model's module.
function modelPath(apiVersion, kind) {
	if (!/^[A-Za-z0-9.]+(\/v[0-9a-z]+)?$/.test(apiVersion) ||
	    !/^[A-Z][A-Za-z0-9]*$/.test(kind))
		return null;
	if (apiVersion.startsWith("monitoring.coreos.com/"))
		return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
	return `kubernetes-models/${apiVersion}/${kind}`;
}

async function schemaProblems(o) {
	if (!o || typeof o !== "object" || !o.apiVersion || !o.kind)
		return ["not a Kubernetes object (apiVersion and kind)"];
	const crd = crdValidator(o);
	if (crd) {
		if (crd(o))
			return [];
		return crd.errors.map((e) =>
			`${e.instancePath || "/"} ${e.message}` +
			(e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ""));
	}
	const path = modelPath(o.apiVersion, o.kind);
	let mod;
	try {
		mod = path && await import(path);
	} catch {
		mod = null;
	}
	const Model = mod?.[o.kind];
	if (!Model)
		return [`no schema for ${o.apiVersion} ${o.kind}`];
	try {
		new Model(o).validate();
	} catch (e) {
		return e.message.split(", ").map((m) => m.replace(/^data/, ""));
	}
	return [];
}

// ---- policy ----

// The pod spec inside each kind that makes pods; long-running ones
// must have probes.
function podSpec(o) {
	switch (o.kind) {
	case "Pod":
		return { spec: o.spec, serves: true };
	case "Deployment":
	case "StatefulSet":
	case "DaemonSet":
	case "ReplicaSet":
		return { spec: o.spec?.template?.spec, serves: true };
	case "Job":
		return { spec: o.spec?.template?.spec, serves: false };
	case "CronJob":
		return { spec: o.spec?.jobTemplate?.spec?.template?.spec, serves: false };
	default:
		return null;
	}
}

// A pinned image has a tag other than "latest", or a digest.
export function imagePinned(image) {
	if (typeof image !== "string" || image === "")
		return false;
	if (/@sha256:[0-9a-f]{64}$/.test(image))
		return true;
	const last = image.slice(image.lastIndexOf("/") + 1);
	const colon = last.indexOf(":");
	if (colon < 0)
		return false;
	const tag = last.slice(colon + 1);
	return tag !== "" && tag !== "latest";
}

function policyProblems(o) {
	const probs = [];
	if (o.kind === "Cluster" && o.apiVersion?.startsWith("postgresql.cnpg.io/")) {
		if (o.spec?.imageName !== undefined && !imagePinned(o.spec.imageName))
			probs.push(`imageName "${o.spec.imageName}" has no pinned tag`);
		return probs;
	}
	const ps = podSpec(o);
	if (!ps)
		return probs;
	if (!ps.spec)
		return ["no pod template"];
	const pod = ps.spec.securityContext ?? {};
	const all = [
		...(ps.spec.initContainers ?? []).map((c) => [c, false]),
		...(ps.spec.containers ?? []).map((c) => [c, ps.serves]),
	];
	if (!ps.spec.containers?.length)
		probs.push("no containers");
	for (const [c, serves] of all) {
		const where = `container ${c.name ?? "?"}`;
		const sc = c.securityContext ?? {};
		if (!imagePinned(c.image))
			probs.push(`${where}: image "${c.image ?? ""}" has no pinned tag (none, or latest)`);
		if (serves && !c.readinessProbe)
			probs.push(`${where}: no readinessProbe`);
		if (serves && !c.livenessProbe)
			probs.push(`${where}: no livenessProbe`);
		for (const kind of ["requests", "limits"])
			for (const r of ["cpu", "memory"])
				if (c.resources?.[kind]?.[r] === undefined)
					probs.push(`${where}: no resources.${kind}.${r}`);
		const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
		const user = sc.runAsUser ?? pod.runAsUser;
		if (nonRoot !== true)
			probs.push(`${where}: runAsNonRoot is not true`);
		if (!Number.isInteger(user) || user <= 0)
			probs.push(`${where}: runAsUser is not a non-zero uid`);
		if (sc.privileged === true)
			probs.push(`${where}: privileged`);
		if (sc.allowPrivilegeEscalation !== false)
			probs.push(`${where}: allowPrivilegeEscalation is not false`);
	}
	return probs;
}

// ---- Prometheus adapter rules ----

// The adapter's config format (its docs/config.md), as a schema of our
// own: the adapter publishes none.
const rule = {
	type: "object",
	required: ["seriesQuery", "metricsQuery"],
	additionalProperties: false,
	properties: {
		seriesQuery: { type: "string", minLength: 1 },
		seriesFilters: {
			type: "array",
			items: {
				type: "object", additionalProperties: false,
				properties: { is: { type: "string" }, isNot: { type: "string" } },
			},
		},
		resources: {
			type: "object", additionalProperties: false,
			properties: {
				template: { type: "string" },
				overrides: {
					type: "object",
					additionalProperties: {
						type: "object", additionalProperties: false,
						required: ["resource"],
						properties: { group: { type: "string" }, resource: { type: "string" } },
					},
				},
				namespaced: { type: "boolean" },
			},
		},
		name: {
			type: "object", additionalProperties: false,
			properties: { matches: { type: "string" }, as: { type: "string" } },
		},
		metricsQuery: { type: "string", pattern: "<<\\.LabelMatchers>>" },
	},
};
const adapterSchema = ajv.compile({
	type: "object",
	additionalProperties: false,
	properties: {
		rules: { type: "array", items: rule },
		externalRules: { type: "array", items: rule },
		resourceRules: { type: "object" },
	},
});

function adapterProblems(o) {
	if (adapterSchema(o)) {
		const probs = [];
		for (const r of [...(o.rules ?? []), ...(o.externalRules ?? [])]) {
			try {
				new RegExp(r.name?.matches ?? "");
			} catch (e) {
				probs.push(`name.matches: ${e.message}`);
			}
		}
		return probs;
	}
	return adapterSchema.errors.map((e) => `${e.instancePath || "/"} ${e.message}`);
}

// ---- main ----

async function main(argv) {
	const [mode, ...files] = argv;
	if (!["schema", "policy", "adapter"].includes(mode) || files.length === 0) {
		process.stderr.write("usage: check.mjs schema|policy|adapter FILE...\n");
		return 2;
	}
	let objects = 0, problems = 0;
	for (const file of files) {
		let objs;
		try {
			objs = load(file);
		} catch (e) {
			console.log(`${file}: ${e.message}`);
			problems++;
			continue;
		}
		if (objs.length === 0) {
			console.log(`${file}: no object`);
			problems++;
		}
		for (const o of objs) {
			objects++;
			const probs = mode === "schema" ? await schemaProblems(o) :
				mode === "policy" ? policyProblems(o) : adapterProblems(o);
			for (const p of probs)
				console.log(`${file}: ${mode === "adapter" ? "rules" : id(o)}: ${p}`);
			problems += probs.length;
		}
	}
	console.log(`${mode}: ${objects} objects, ${problems} problems`);
	return problems ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
	process.exitCode = await main(process.argv.slice(2));
