
/** A jurisdiction of the default bundle (a bundle from `fromFiles` may have others). */
export type Jurisdiction =
  | "national" | "zhejiang" | "hangzhou" | "zhoushan"
  | "guangdong" | "zhaoqing" | "fujian" | "quanzhou";

/** The actions of the contract. */
export type Action =
  | "apply" | "renew" | "sign_agreement" | "open_channel" | "access_platform"
  | "request_data" | "import_social_data" | "process_data" | "export_product"
  | "use_product" | "deliver_product" | "provide_to_third_party" | "outsource"
  | "operate" | "terminate";

/** A fact value: booleans, ISO date strings, integers, lists of strings. */
export type FactValue = boolean | string | number | string[];

/** Facts about one object (`operator`, `scenario`, ...); the vocabulary is `policies/facts.toml`. */
export interface Facts {
  id?: string;
  [fact: string]: FactValue | undefined;
}

/** One event of the history temporal rules read. */
export interface Event {
  kind: string;
  /** ISO date `YYYY-MM-DD`. */
  date: string;
  /** A deadline, for things that have one. */
  until?: string;
  /** The id the event concerns. */
  ref?: string;
}

/** A request, exactly as in CONTRACT.md. Unknown keys are errors. */
export interface Request {
  jurisdiction: Jurisdiction | (string & {});
  /** ISO date `YYYY-MM-DD`: the day the act happens. */
  date: string;
  action: Action | (string & {});
  operator?: Facts;
  scenario?: Facts;
  agreement?: Facts;
  data?: Facts;
  product?: Facts;
  person?: Facts;
  body?: Facts;
  materials?: string[];
  events?: Event[];
}

/** Where a rule comes from. */
export interface Source {
  document: string;
  title: string;
  article: string;
  /** Verbatim quote. */
  quote: string;
  /** For rules outside the seeds: the source and its status. */
  outside_seeds?: string;
}

/** A rule that decided. */
export interface Reason {
  rule: string;
  effect: "requirement" | "forbid" | "obligation" | "coverage" | (string & {});
  layer: string;
  source: Source;
  explanation: string;
  /** Facts this rule needed and the request lacked. */
  missing?: string[];
}

/** A rule displaced by a higher layer. */
export interface Overridden {
  rule: string;
  by: string;
  layer: string;
}

/** A duty the decision attaches. */
export interface Obligation {
  rule: string;
  layer: string;
  description: string;
  /** Deadline (inclusive), where the law gives one. */
  due?: string;
  source: Source;
  explanation: string;
}

/** How one layer of the chain stood on the request date. */
export interface LayerReport {
  layer: string;
  status: "in_force" | "not_in_force" | "empty" | (string & {});
  documents: string[];
  rules_in_force: number;
  note: string;
}

/** A decision, exactly as in CONTRACT.md. */
export interface Decision {
  decision: "allow" | "deny";
  jurisdiction: string;
  date: string;
  action: string;
  /** Layers consulted, highest first. */
  layers: string[];
  reasons: Reason[];
  satisfied: string[];
  overridden: Overridden[];
  obligations: Obligation[];
  missing: string[];
  /** `sha256:<hex>` of the bundle. */
  policy_version: string;
  /** Forbids that were checked and did not fire. */
  cleared: string[];
  layer_report: LayerReport[];
}

/** A bundle as file contents keyed by path relative to the bundle root. */
export type BundleFiles = Record<string, string>;

/** One problem of a bundle, located in a file. */
export interface BundleProblem {
  code: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/**
 * What every method throws: a plain object (never a string, never an
 * `Error` instance), so it survives `postMessage` and `JSON.stringify`.
 * `code` is the engine's stable code (`invalid_json`, `missing_field`,
 * `unknown_field`, `wrong_type`, `bad_date`, `bad_value`,
 * `unknown_jurisdiction`, `unknown_action`, ...) or `bundle`,
 * `invalid_files`, `invalid_request`, `panic`.
 */
export interface PdaoError {
  code: string;
  message: string;
  /** Path of the offending request field (`date`, `operator.credit_ok`). */
  field?: string;
  /** Bundle file of the first problem. */
  file?: string;
  line?: number;
  column?: number;
  /** Every problem, for `code: "bundle"`. */
  problems?: BundleProblem[];
}

/** One layer of a bundle summary. */
export interface LayerSummary {
  id: string;
  name: string;
  parent: string | null;
  documents: string[];
  policies: number;
  /** No documents: consulted and reported as empty. */
  empty: boolean;
}

/** A bundle in numbers, as `pdao check` prints them. */
export interface CheckSummary {
  ok: boolean;
  /** `sha256:<hex>`; empty when the bundle did not load. */
  version: string;
  layers: LayerSummary[];
  /** Policies: every version of every rule. */
  policies: number;
  /** Distinct rule ids. */
  rules: number;
  /** Temporal definitions. */
  definitions: number;
  problems: BundleProblem[];
}

/** The answer of `whyNot`, as `pdao why-not --json` prints it. */
export interface WhyNot {
  decision: "allow" | "deny";
  /** The rules that deny the request as given. */
  reasons: string[];
  /** Minimal verified solutions, smallest first. */
  solutions: { changes: string[]; request: Request }[];
  /** Reasons no candidate change clears. */
  unfixable: string[];
  evaluations: number;
  bound_reached: boolean;
}

/** One fact of the vocabulary. */
export interface FactInfo {
  /** `object.name`. */
  path: string;
  object: string;
  type: "bool" | "int" | "date" | "string" | "enum" | "list";
  /** Allowed values of an enum or a closed list; null otherwise. */
  values: string[] | null;
  meaning: string;
}

/** The fact vocabulary of the bundle, for forms. */
export interface Vocabulary {
  objects: string[];
  facts: FactInfo[];
  materials: string[];
  events: { kind: string; meaning: string }[];
  actions: Action[];
  jurisdictions: Jurisdiction[];
}
