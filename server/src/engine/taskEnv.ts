/**
 * The environment a task's command sees, and how input names become variable names.
 *
 * `ALAMODE_INPUT_<NAME>`: the input's task name with every character other than an ASCII letter, digit
 * or `_` replaced by `_`, then upper-cased (`edge_enhance` → `ALAMODE_INPUT_EDGE_ENHANCE`,
 * `download-images.v2` → `ALAMODE_INPUT_DOWNLOAD_IMAGES_V2`). When two inputs of a task map to the same
 * name (`a-b` and `a_b`, or `Blur` and `blur`) neither gets a variable, the log says so, and
 * `ALAMODE_INPUTS` (JSON, exact names) is the way to reach them.
 */
export function inputVariableName(input: string): string {
  return `ALAMODE_INPUT_${[...input].map((c) => (/^[A-Za-z0-9_]$/.test(c) ? c.toUpperCase() : '_')).join('')}`;
}

export interface TaskPaths {
  readonly task: string;
  readonly outputId: string;
  /** The folder to write into. */
  readonly output: string;
  /** Input name → its stored output folder. */
  readonly inputs: { readonly [name: string]: string };
}

/** The `ALAMODE_*` variables of a task, and a warning for each ambiguous input variable left out. */
export function taskEnvironment(paths: TaskPaths): { env: Record<string, string>; warnings: string[] } {
  const env: Record<string, string> = {
    ALAMODE_TASK: paths.task,
    ALAMODE_OUTPUT: paths.output,
    ALAMODE_OUTPUT_ID: paths.outputId,
    ALAMODE_INPUTS: JSON.stringify(paths.inputs),
  };
  const byVariable = new Map<string, string[]>();
  for (const name of Object.keys(paths.inputs)) {
    const v = inputVariableName(name);
    byVariable.set(v, [...(byVariable.get(v) ?? []), name]);
  }
  const warnings: string[] = [];
  for (const [variable, names] of byVariable) {
    if (names.length === 1) env[variable] = paths.inputs[names[0]!]!;
    else warnings.push(`inputs ${names.map((n) => `'${n}'`).join(' and ')} would all be ${variable}: none of them is set; read ALAMODE_INPUTS instead`);
  }
  return { env, warnings };
}
