/**
 * Lexical scopes of the analysed program: module, function and block scopes, each a map of bindings.
 * Closures keep their defining scope, so a function called later sees the bindings as they are then.
 */
import type { UnknownValue } from './types';
import { nextSerial, type Value } from './values';

export type BindingKind = 'const' | 'let' | 'var' | 'function' | 'param' | 'import' | 'class' | 'catch';

export interface Binding {
  value: Value;
  readonly kind: BindingKind;
  /** False between entering the scope and the declaration (the temporal dead zone of let/const/class). */
  initialised: boolean;
  /**
   * Set when code the analysis cannot follow may assign the binding at any time (an escaped closure
   * assigns it): every read is then opaque, whatever was last assigned.
   */
  volatile?: UnknownValue;
  /** For imports from other modules: reads make an opaque value placed on the reference. */
  readonly importedFrom?: { readonly module: string; readonly name: string };
}

export class Scope {
  readonly serial = nextSerial();
  readonly bindings = new Map<string, Binding>();

  constructor(
    readonly parent: Scope | undefined,
    /** Function and module scopes hold `var`s and, unless an arrow function's, `this`. */
    readonly isFunctionScope: boolean,
    /** Present on scopes that define `this` (module scope and non-arrow function scopes). */
    readonly thisBinding?: { readonly value: Value },
  ) {}

  lookup(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** The scope that declares `name`. */
  lookupScope(name: string): Scope | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.bindings.has(name)) return s;
    return undefined;
  }

  /** The scope `var` declarations go to. */
  varScope(): Scope {
    let s: Scope = this;
    while (!s.isFunctionScope && s.parent) s = s.parent;
    return s;
  }

  thisValue(): Value {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.thisBinding) return s.thisBinding.value;
    return undefined;
  }

  declare(name: string, binding: Binding): void {
    this.bindings.set(name, binding);
  }

  /** A copy of this (block) scope with fresh bindings holding the same values: a `for (let …)` iteration. */
  copyForIteration(): Scope {
    const copy = new Scope(this.parent, this.isFunctionScope, this.thisBinding);
    for (const [name, b] of this.bindings) copy.bindings.set(name, { ...b });
    return copy;
  }
}
