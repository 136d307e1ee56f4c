/**
 * Classes, as the bundle the CLI runs compiles and runs them (esbuild, target node20): definition
 * (`extends`, methods and accessors on the prototype, static methods, fields and blocks, run in order),
 * `new` (the constructor with parameter properties, instance fields, `super(…)` in a derived class, a
 * constructor's `return`), `super.m()` and `super.x`, and instances as objects with a prototype.
 *
 * Instance fields follow the tsconfig esbuild reads for the file (`useDefineForClassFields`, else its
 * `target`; JavaScript files always define):
 *
 * - `define` (ES2022 and later, esbuild's default): when the instance is made (a base class) or
 *   `super(…)` returns (a derived one), each parameter property is defined as `undefined`, then each
 *   field in order (`undefined` without an initialiser); then the parameter properties are assigned.
 * - `assign` (an older `target`): the parameter properties, then the fields with an initialiser, are
 *   assigned (`this.x = …`, which runs a setter); fields without one do not exist.
 *
 * When the analysis does not know which applies (no host, a tsconfig it cannot read), only classes for
 * which both give the same are followed: no instance field declarations, and no parameter default next
 * to a parameter property. A setter (or getter) on the prototype chain named like a field, with
 * `assign`, is not followed either.
 *
 * Private members (`#x` fields, methods and accessors, static ones too) are followed as JS has them:
 * new names each time the class is evaluated, found from the class that declares them; an instance
 * gets the private methods (its brand) and then its fields, in order, when its fields are made. With
 * `assign`, esbuild leaves private fields as class fields (defined one by one with their initialisers,
 * before the parameter properties and the other fields are assigned) unless the class has public field
 * initialisers, when it assigns the private ones in order with those: a class where the two could
 * differ (private initialisers beside parameter properties or public initialisers) is not followed;
 * reading, writing, calling and `#x in o` throw the TypeErrors JS throws for an object without them.
 *
 * Not modelled (the class is then unseen code, as before: constructing it is unknown, and defining it
 * escapes it when that runs its code): decorators, computed member names, static getters and setters
 * (public or private), `accessor` fields, a class that extends anything but a class the analysis
 * models, a constructor that uses `arguments`. A class that escaped (handed to code the analysis cannot
 * see) may have had its prototype changed: reading a property its instances do not have, writing one,
 * and constructing it are then unknown.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  ClassValue,
  Closure,
  DagClassValue,
  DagState,
  InstanceValue,
  ObjectValue,
  Opaque,
  Scope,
  SpreadOpaque,
  THIS_BEFORE_SUPER,
  reachOf,
  privateStoreOf,
  type Binding,
  type CallSite,
  type PrivateMember,
  type Value,
} from '../values';
import { SK, isArrowFunction, isIdentifier, staticPropertyName } from '../syntax';
import type { Interpreter } from '../realm';
import { objectProtoProperty } from '../builtins/objects';
import { functionMethod } from '../builtins/functions';
import { DAG_OWN_PROPERTIES, dagProperty, newDag } from '../dsl';

// ───────────────────────────── the shape of a class (syntax) ─────────────────────────────

interface Shape {
  /** Why the class is not modelled, if it is not. */
  readonly unsupported?: string;
  readonly ctor?: ts.ConstructorDeclaration;
  /** Parameter properties (`constructor(private readonly p: T)`), in order. */
  readonly paramProps: readonly ts.ParameterDeclaration[];
  /** Instance fields the bundle emits (not `declare`, not `abstract`), in order. */
  readonly fields: readonly ts.PropertyDeclaration[];
  /** Static fields and static blocks, in order. */
  readonly statics: readonly (ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration)[];
  /** Methods and accessors with a body, in order. */
  readonly methods: readonly (ts.MethodDeclaration | ts.AccessorDeclaration)[];
  /** Why the constructor is not followed (it uses `arguments`), if so. */
  readonly ctorUnsupported?: string;
  /** The private names (`#x`) it declares. */
  readonly privateNames: ReadonlySet<string>;
  /** Whether it has private methods or accessors, for its instances and for itself (a brand to give). */
  readonly privateMethods: { readonly instance: boolean; readonly static: boolean };
}

const shapes = new WeakMap<ts.ClassLikeDeclaration, Shape>();

const hasModifier = (n: ts.Node, kind: ts.SyntaxKind): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n)?.some((m) => m.kind === kind) ?? false);
const hasDecorators = (n: ts.Node): boolean => ts.canHaveDecorators(n) && (ts.getDecorators(n)?.length ?? 0) > 0;

/** A member's name: `#x` (with its `#`) for a private one, else its static property name. */
function memberName(name: ts.PropertyName | undefined): string | undefined {
  return name && ts.isPrivateIdentifier(name) ? name.text : staticPropertyName(name);
}

const isPrivateMember = (m: ts.ClassElement): boolean => m.name !== undefined && ts.isPrivateIdentifier(m.name);

/** Names a static member may not take without changing what the function object itself has. */
const FUNCTION_OWN = new Set(['prototype', 'name', 'length', 'caller', 'arguments']);

function mentions(node: ts.Node, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isIdentifier(n) && n.text === name) found = true;
    // `arguments` in a nested (non-arrow) function or class is that function's own.
    else if (!(n !== node && ((ts.isFunctionLike(n) && !isArrowFunction(n)) || ts.isClassLike(n)))) ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

export function shapeOf(node: ts.ClassLikeDeclaration): Shape {
  let shape = shapes.get(node);
  if (shape) return shape;
  let unsupported: string | undefined;
  const no = (why: string): void => {
    unsupported ??= why;
  };
  let ctor: ts.ConstructorDeclaration | undefined;
  const fields: ts.PropertyDeclaration[] = [];
  const statics: (ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration)[] = [];
  const methods: (ts.MethodDeclaration | ts.AccessorDeclaration)[] = [];
  if (hasDecorators(node)) no('it has decorators');
  for (const m of node.members) {
    if (hasDecorators(m)) no('it has decorators');
    if (ts.isConstructorDeclaration(m)) {
      if (m.body) ctor = m;
      for (const p of m.parameters) if (hasDecorators(p)) no('it has decorators');
      continue;
    }
    if (ts.isClassStaticBlockDeclaration(m)) {
      statics.push(m);
      continue;
    }
    if (ts.isSemicolonClassElement(m) || ts.isIndexSignatureDeclaration(m)) continue;
    const isStatic = hasModifier(m, SK.StaticKeyword);
    if (m.name && ts.isComputedPropertyName(m.name)) {
      no('it has a member whose name is computed');
      continue;
    }
    const name = memberName(m.name);
    if (name === undefined) {
      no('it has a member whose name the analysis does not model');
      continue;
    }
    if (name === 'constructor') no('it has a member named constructor');
    if (isStatic && FUNCTION_OWN.has(name)) no(`it has a static member named ${name}`);
    if (hasModifier(m, SK.AccessorKeyword)) no('it has an accessor field');
    if (ts.isPropertyDeclaration(m)) {
      if (hasModifier(m, SK.DeclareKeyword) || hasModifier(m, SK.AbstractKeyword)) continue;
      if (isStatic) statics.push(m);
      else fields.push(m);
    } else if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
      if (!m.body) continue; // an overload or an abstract method
      if (isStatic && !ts.isMethodDeclaration(m)) no('it has a static getter or setter');
      methods.push(m);
    } else {
      no('it has a member the analysis does not model');
    }
  }
  const paramProps = ctor ? ctor.parameters.filter((p) => ts.isParameterPropertyDeclaration(p, ctor!)) : [];
  if (paramProps.some((p) => !isIdentifier(p.name))) no('it has a parameter property that is not a plain name');
  const ctorUnsupported = ctor && mentions(ctor, 'arguments') ? 'its constructor uses `arguments`' : undefined;
  shape = {
    ...(unsupported ? { unsupported } : {}),
    ...(ctor ? { ctor } : {}),
    ...(ctorUnsupported ? { ctorUnsupported } : {}),
    paramProps,
    fields,
    statics,
    methods,
    privateNames: new Set(node.members.filter(isPrivateMember).map((m) => memberName(m.name)!)),
    privateMethods: {
      instance: methods.some((m) => isPrivateMember(m) && !hasModifier(m, SK.StaticKeyword)),
      static: methods.some((m) => isPrivateMember(m) && hasModifier(m, SK.StaticKeyword)),
    },
  };
  shapes.set(node, shape);
  return shape;
}

// ───────────────────────────── homes and constructors (per evaluation) ─────────────────────────────

/** The home of the methods made in a scope (`super` looks from the class it extends). */
interface Home {
  readonly cls: ClassValue;
  readonly isStatic: boolean;
}

const homes = new WeakMap<Scope, Home>();
const homeScopes = new WeakMap<ClassValue, { readonly instance: Scope; readonly static: Scope }>();

function homeScope(cls: ClassValue, isStatic: boolean): Scope {
  let h = homeScopes.get(cls);
  if (!h) {
    const instance = new Scope(cls.bodyScope, false);
    const stat = new Scope(cls.bodyScope, false);
    homes.set(instance, { cls, isStatic: false });
    homes.set(stat, { cls, isStatic: true });
    homeScopes.set(cls, (h = { instance, static: stat }));
  }
  return isStatic ? h.static : h.instance;
}

/** A constructor being run: its class, the class `new` named, and its `this` (set by `super(…)` in a derived class). */
interface Frame {
  readonly cls: ClassValue;
  readonly newTarget: ClassValue;
  readonly holder: Binding;
  readonly scope: Scope;
}

const frames = new WeakMap<Scope, Frame>();

// ───────────────────────────── defining a class ─────────────────────────────

/**
 * Evaluates a class definition. Undefined when the class is not modelled (the caller then treats it
 * as unseen code).
 */
export function makeClass(ev: Interpreter, node: ts.ClassLikeDeclaration, scope: Scope): ClassValue | undefined {
  const shape = shapeOf(node);
  if (shape.unsupported) return undefined;
  ev.charge(node.members.length + 1, node);
  const name = node.name?.text ?? '';
  const bodyScope = new Scope(scope, false);
  // The class's own name, inside its body: in its temporal dead zone until the class is made.
  const own: Binding | undefined = name ? { value: undefined, kind: 'const', initialised: false } : undefined;
  if (own) ev.declare(bodyScope, name, own);
  let parent: ClassValue | undefined;
  let extendsDag = false;
  const heritage = node.heritageClauses?.find((h) => h.token === SK.ExtendsKeyword)?.types[0];
  if (heritage) {
    const base = ev.evalExpr(heritage.expression, bodyScope);
    if (base instanceof DagClassValue) extendsDag = true;
    else if (base instanceof ClassValue) parent = base;
    else return undefined;
    // A Dag holds what the runtime's Dag holds: a subclass's own instance state on it is not modelled.
    if ((extendsDag || parent!.dagBased) && (shape.fields.length > 0 || shape.paramProps.length > 0 || shape.privateMethods.instance)) return undefined;
  }
  const cls = new ClassValue(node, scope, name, parent, bodyScope, ev.classFieldsOf(node), extendsDag);
  declarePrivates(cls, shape);
  for (const m of shape.methods) {
    const key = memberName(m.name)!;
    const isStatic = hasModifier(m, SK.StaticKeyword);
    const fn = ev.makeClosure(m, homeScope(cls, isStatic));
    if (isPrivateMember(m)) {
      const member = cls.privates.get(key)!;
      if (ts.isMethodDeclaration(m)) member.method = fn;
      else if (ts.isGetAccessorDeclaration(m)) member.get = fn;
      else member.set = fn;
      continue;
    }
    if (isStatic) {
      cls.statics.props.set(key, ev.slot(fn, m));
      continue;
    }
    const before = cls.proto.get(key);
    if (ts.isMethodDeclaration(m)) cls.proto.set(key, { method: fn });
    else if (ts.isGetAccessorDeclaration(m)) cls.proto.set(key, { get: fn, ...(before?.set ? { set: before.set } : {}) });
    else cls.proto.set(key, { set: fn, ...(before?.get ? { get: before.get } : {}) });
  }
  if (own) {
    ev.touchBinding(own);
    own.value = cls;
    own.initialised = true;
  }
  // The class's own private static methods, before its static fields (as JS adds them).
  if (shape.privateMethods.static) addBrand(ev, cls, staticBrandKey(cls), node, cls.name);
  // Static fields and blocks, in order, with `this` the class.
  for (const el of shape.statics) {
    const at = new Scope(homeScope(cls, true), true, { value: cls });
    if (ts.isClassStaticBlockDeclaration(el)) {
      ev.hoist(el.body.statements, at, el.body);
      const c = ev.evalStatements(el.body.statements, at);
      if (c && c.kind === 'uncertain') ev.escape(cls, c.why);
      continue;
    }
    const key = memberName(el.name)!;
    if (isPrivateMember(el)) {
      definePrivateField(ev, cls, cls.privates.get(key)!, el.initializer ? ev.evalExpr(el.initializer, at) : undefined, el);
      continue;
    }
    let value: Value;
    if (el.initializer) value = ev.evalExpr(el.initializer, at);
    else if (cls.fields === 'assign') continue; // not emitted
    else if (cls.fields === undefined && parent && inheritsStatic(parent, key)) {
      // Defined as undefined, or not at all (the inherited one shows): which is not known.
      value = ev.opaque(`whether the bundle defines ${name}.${key} (tsconfig's useDefineForClassFields) is not known to the analysis`, el);
    } else value = undefined;
    defineField(ev, cls.statics, key, value, el);
  }
  return cls;
}

function inheritsStatic(cls: ClassValue, key: string): boolean {
  for (let c: ClassValue | undefined = cls; c; c = c.parent) if (c.statics.tainted || c.statics.props.has(key)) return true;
  return false;
}

/** `Object.defineProperty(obj, key, { value, writable, enumerable, configurable })`, as a field is defined. */
function defineField(ev: Interpreter, obj: Value, key: string, value: Value, node: ts.Node): void {
  if (obj instanceof ObjectValue && !obj.tainted) {
    if (obj.frozen) ev.throwError(`Cannot define property ${key}, object is not extensible`, node);
    ev.touch(obj);
    obj.props.set(key, ev.slot(value, node));
    ev.charge(1, node);
    return;
  }
  const why = obj instanceof Opaque ? obj.unknown : obj instanceof ObjectValue && obj.tainted ? obj.tainted : ev.unknown(`${ev.text(node)} defines a property where the analysis does not follow it`, node);
  ev.escape(obj, why);
  ev.escape(value, why);
}

// ───────────────────────────── `new` ─────────────────────────────

/** Why `new cls(…)` is not followed, if it is not. */
function notConstructible(cls: ClassValue): string | undefined {
  if (cls.chainEscaped()) return 'its class was handed to code the analysis cannot see';
  const accessors = cls.hasAccessors();
  for (let k: ClassValue | undefined = cls; k; k = k.parent) {
    const shape = shapeOf(k.node as ts.ClassLikeDeclaration);
    if (shape.ctorUnsupported) return shape.ctorUnsupported;
    if (k.fields === undefined) {
      if (shape.fields.length > 0) return 'how the bundle defines class fields (tsconfig\'s useDefineForClassFields) is not known to the analysis';
      if (shape.paramProps.length > 0 && shape.ctor?.parameters.some((p) => p.initializer)) return 'how the bundle orders parameter properties and defaults (tsconfig\'s useDefineForClassFields) is not known to the analysis';
    }
    // esbuild moves private field initialisers into the constructor with the others, or leaves them
    // to run before it, depending on the rest of the class: only followed where both orders agree.
    if (k.fields === 'assign' && shape.fields.some((f) => isPrivateMember(f) && f.initializer) && (shape.paramProps.length > 0 || shape.fields.some((f) => !isPrivateMember(f) && f.initializer))) {
      return 'how the bundle orders private field initialisers with parameter properties and other fields (a tsconfig target before ES2022) is not known to the analysis';
    }
    if (k.fields !== 'define' && accessors) {
      const names = [...shape.paramProps.map((p) => (p.name as ts.Identifier).text), ...shape.fields.filter((f) => f.initializer && !isPrivateMember(f)).map((f) => staticPropertyName(f.name)!)];
      if (names.some((n) => cls.findProto(n)?.get || cls.findProto(n)?.set)) return 'a field is assigned where a prototype has a setter, which the analysis does not follow';
    }
  }
  return undefined;
}

export function construct(ev: Interpreter, cls: ClassValue, args: readonly Value[], site: CallSite): Value {
  const spread = args.find((a): a is SpreadOpaque => a instanceof SpreadOpaque);
  if (spread) return ev.callUnseen(cls, undefined, args, site, spread.unknown);
  const why = notConstructible(cls);
  if (why) return ev.callUnseen(cls, undefined, args, site, ev.unknown(`${ev.text(site.node)} is not followed: ${why}`, site.node));
  return constructAs(ev, cls, args, site, cls);
}

/** Runs `cls`'s constructor for `new newTarget(…)` (`cls` is `newTarget` or a class it extends). */
function constructAs(ev: Interpreter, cls: ClassValue, args: readonly Value[], site: CallSite, newTarget: ClassValue): Value {
  if (ev.callDepth >= ev.limits.maxCallDepth) {
    const why = ev.limitOpaque(`calls nest more than ${ev.limits.maxCallDepth} deep here; the analysis does not follow them further`, site.node).unknown;
    return ev.callUnseen(cls, undefined, args, site, why);
  }
  // (Checked again for a parent: the constructor may have handed its class over before `super(…)`.)
  if (cls.chainEscaped()) return ev.callUnseen(cls, undefined, args, site, ev.unknown(`${ev.text(site.node)} is not followed: its class was handed to code the analysis cannot see`, site.node));
  ev.budget.step(site.node);
  const node = cls.node as ts.ClassLikeDeclaration;
  const shape = shapeOf(node);
  const fromEntry = ev.inEntry(site.node);
  const anchored = fromEntry && !ev.inEntry(node);
  if (anchored) ev.anchors.push(site.node);
  if (fromEntry) ev.callSites.push(site.node);
  ev.callDepth++;
  try {
    const derived = cls.parent !== undefined || cls.extendsDag;
    const before = derived ? ev.opaque('`this` before `super(…)` is called', node) : undefined;
    if (before) THIS_BEFORE_SUPER.add(before);
    const holder: Binding = before
      ? { value: before, kind: 'const', initialised: false }
      : { value: new InstanceValue(newTarget), kind: 'const', initialised: true };
    const scope = new Scope(homeScope(cls, false), true, holder);
    const frame: Frame = { cls, newTarget, holder, scope };
    frames.set(scope, frame);
    const define = cls.fields !== 'assign';
    if (!derived) defineFields(ev, frame);
    const ctor = shape.ctor;
    if (!ctor) {
      if (derived) return superConstruct(ev, frame, args, site);
      if (!define) assignFields(ev, frame);
      return holder.value;
    }
    let i = 0;
    for (const p of ctor.parameters) {
      if (isIdentifier(p.name) && p.name.text === 'this') continue;
      let value: Value = p.dotDotDotToken ? newRest(args.slice(i)) : args[i];
      i++;
      if (p.initializer) value = ev.applyDefault(value, p.initializer, scope);
      ev.bindPattern(p.name, value, scope, 'param');
    }
    if (!derived) {
      if (define) assignParamProps(ev, frame);
      else assignFields(ev, frame);
    }
    const body = ctor.body!;
    ev.hoist(body.statements, scope, body);
    const c = ev.evalStatements(body.statements, scope);
    const self = (): Value => {
      if (!holder.initialised) ev.throwError("Must call super constructor in derived class before accessing 'this' or returning from derived constructor", ctor);
      return holder.value;
    };
    if (!c) return self();
    if (c.kind === 'uncertain') return new Opaque(c.why, reachOf([...c.reach, holder.value]));
    if (c.kind !== 'return') return self();
    const r = c.value;
    if (r instanceof Opaque) return new Opaque(r.unknown, reachOf([r, holder.value]));
    if (r !== null && typeof r === 'object') return r; // an object replaces the instance
    if (r === undefined || !derived) return self();
    return ev.throwError('Derived constructors may only return object or undefined', ctor);
  } finally {
    ev.callDepth--;
    if (anchored) ev.anchors.pop();
    if (fromEntry) ev.callSites.pop();
  }
}

function newRest(values: readonly Value[]): Value {
  return new ArrayValue(values.map((value) => ({ value, range: undefined })));
}

/** `super(…)` in the derived constructor of `frame`: the parent constructs `this`, then this class's fields are set. */
function superConstruct(ev: Interpreter, frame: Frame, args: readonly Value[], site: CallSite): Value {
  const { holder } = frame;
  if (holder.initialised) ev.throwError('Super constructor may only be called once', site.node);
  const spread = args.find((a): a is SpreadOpaque => a instanceof SpreadOpaque);
  let self: Value;
  if (frame.cls.extendsDag) {
    // `super(meta)` of a class extending Dag: the runtime's constructor makes the Dag, of this class.
    const dag = newDag(ev, args, site, spread);
    dag.cls = frame.newTarget;
    self = dag;
  } else if (spread) self = ev.callUnseen(frame.cls.parent!, undefined, args, site, spread.unknown);
  else self = constructAs(ev, frame.cls.parent!, args, site, frame.newTarget);
  ev.touchBinding(holder);
  holder.value = self;
  holder.initialised = true;
  defineFields(ev, frame);
  if (frame.cls.fields !== 'assign') assignParamProps(ev, frame);
  else assignFields(ev, frame);
  return self;
}

/**
 * What an instance gets when its fields are made (at `new` in a base class, when `super(…)` returns in
 * a derived one): the private methods (the brand) first, then
 * - `define`: the parameter properties as `undefined`, then every field in order;
 * - `assign`: the private fields only, in order with their initialisers, before the parameter
 *   properties and the other fields are assigned ({@link assignFields}). esbuild leaves them class
 *   fields in a class without public field initialisers; in one with them it assigns the private
 *   initialisers in order with the others, which gives the same where {@link notConstructible} lets a
 *   class be followed (no private initialisers there).
 */
function defineFields(ev: Interpreter, frame: Frame): void {
  const shape = shapeOf(frame.cls.node as ts.ClassLikeDeclaration);
  const self = frame.holder.value;
  const define = frame.cls.fields !== 'assign';
  if (shape.privateMethods.instance) addBrand(ev, self, instanceBrandKey(frame.cls), frame.cls.node, frame.cls.name);
  if (define) for (const p of shape.paramProps) defineField(ev, self, (p.name as ts.Identifier).text, undefined, p);
  for (const f of shape.fields) {
    const isPrivate = isPrivateMember(f);
    if (!define && !isPrivate) continue;
    const value = f.initializer ? initialValue(ev, frame, f.initializer) : undefined;
    if (isPrivate) definePrivateField(ev, self, frame.cls.privates.get(memberName(f.name)!)!, value, f);
    else defineField(ev, self, staticPropertyName(f.name)!, value, f);
  }
}

/** `this.p = p` for each parameter property (the parameters are bound). */
function assignParamProps(ev: Interpreter, frame: Frame): void {
  const shape = shapeOf(frame.cls.node as ts.ClassLikeDeclaration);
  for (const p of shape.paramProps) {
    const id = p.name as ts.Identifier;
    ev.setProperty(frame.holder.value, id.text, ev.evalIdentifier(id, frame.scope), p);
  }
}

/** `assign`: the parameter properties, then the fields with an initialiser, assigned in order. */
function assignFields(ev: Interpreter, frame: Frame): void {
  assignParamProps(ev, frame);
  const shape = shapeOf(frame.cls.node as ts.ClassLikeDeclaration);
  // (Private fields were defined, with their initialisers, before: `defineFields`.)
  for (const f of shape.fields) {
    if (f.initializer && !isPrivateMember(f)) ev.setProperty(frame.holder.value, staticPropertyName(f.name)!, initialValue(ev, frame, f.initializer), f);
  }
}

/** A field's initialiser runs as a method of the instance would (its own scope: not the constructor's). */
function initialValue(ev: Interpreter, frame: Frame, init: ts.Expression): Value {
  return ev.evalExpr(init, new Scope(homeScope(frame.cls, false), true, { value: frame.holder.value }));
}

// ───────────────────────────── super ─────────────────────────────

/** The constructor frame `super(…)` belongs to: that of the nearest scope with its own `this`. */
function frameOf(scope: Scope): Frame | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.thisBinding) return frames.get(s);
  return undefined;
}

export function superCall(ev: Interpreter, node: ts.CallExpression, args: readonly Value[], site: CallSite, scope: Scope): Value {
  const frame = frameOf(scope);
  if (!frame || !(frame.cls.parent || frame.cls.extendsDag)) {
    const why = ev.unknown('`super(…)` here is not modelled by the analysis', node);
    for (const a of args) ev.escape(a, why);
    ev.escape(scope.thisValue(), why);
    return new Opaque(why);
  }
  return superConstruct(ev, frame, args, site);
}

/** The class whose member (method, accessor, field initialiser, static block, constructor) holds `node`. */
function enclosingMemberClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isClassLike(n)) return undefined; // reached the class without passing a member (a heritage clause)
    if ((ts.isFunctionLike(n) && !isArrowFunction(n)) || ts.isPropertyDeclaration(n) || ts.isClassStaticBlockDeclaration(n)) {
      return n.parent && ts.isClassLike(n.parent) ? n.parent : undefined;
    }
  }
  return undefined;
}

function homeOf(scope: Scope, node: ts.Node): Home | undefined {
  const cls = enclosingMemberClass(node);
  if (!cls) return undefined;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const h = homes.get(s);
    if (h) return h.cls.node === cls ? h : undefined;
  }
  return undefined;
}

/** `super.x` (`super[k]`): looked up from the prototype (or, in a static member, the class) the home class extends. */
export function superProperty(ev: Interpreter, node: ts.PropertyAccessExpression | ts.ElementAccessExpression, key: string | Opaque, scope: Scope): Value {
  const self = scope.thisValue();
  const home = homeOf(scope, node);
  if (!home || key instanceof Opaque) return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node, reachOf([self]));
  const parent = home.cls.parent;
  if (home.isStatic) {
    if (!parent) return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node);
    return staticProperty(ev, parent, key, node);
  }
  if (!parent) return home.cls.extendsDag && self instanceof DagState ? dagPrototypeProperty(ev, self, key, node) : objectProtoProperty(ev, new ObjectValue(), key, node);
  return protoProperty(ev, parent, self, key, node);
}

/** `super` on its own (an assignment `super.x = v` sets `this.x`): unknown, and `this` may change. */
export function superValue(ev: Interpreter, node: ts.Node, scope: Scope): Opaque {
  return ev.opaque(`${ev.text(node.parent ?? node)} is not modelled by the analysis`, node, reachOf([scope.thisValue()]));
}

// ───────────────────────────── properties ─────────────────────────────

/** A property read from `cls`'s prototype chain, for `self` (getters run with it). */
function protoProperty(ev: Interpreter, cls: ClassValue, self: Value, key: string, node: ts.Node): Value {
  if (cls.chainEscaped()) {
    // A getter that code the analysis cannot see put there would run with `self`.
    const o = ev.opaque(`${ev.text(node)} may have been changed by code the analysis cannot see (its class was handed over)`, node, reachOf([self]));
    ev.mayThrow();
    ev.escape(self, o.unknown);
    return o;
  }
  if (key === 'constructor') return cls;
  const m = cls.findProto(key);
  if (m) {
    if (m.method) return m.method;
    if (m.get) return ev.call(m.get, self, [], { node, args: [], argumentCount: 0 });
    return undefined;
  }
  // Past the classes extending Dag: Dag.prototype.
  if (cls.dagBased && self instanceof DagState) return dagPrototypeProperty(ev, self, key, node);
  return objectProtoProperty(ev, new ObjectValue(), key, node);
}

/**
 * A property of a Dag made by a class extending Dag: its own properties (`meta`), then that class's
 * members, then `Dag.prototype`'s (through {@link protoProperty}).
 */
export function dagInstanceProperty(ev: Interpreter, dag: DagState, key: string, node: ts.Node): Value {
  return DAG_OWN_PROPERTIES.has(key) ? dagProperty(ev, dag, key, node) : protoProperty(ev, dag.cls!, dag, key, node);
}

/** `Dag.prototype`'s property for `dag` (`super.task`): not the Dag's own properties, which it does not hold. */
function dagPrototypeProperty(ev: Interpreter, dag: DagState, key: string, node: ts.Node): Value {
  return DAG_OWN_PROPERTIES.has(key) ? undefined : dagProperty(ev, dag, key, node);
}

/** A property an instance does not have itself. */
export function instanceProperty(ev: Interpreter, inst: InstanceValue, key: string, node: ts.Node): Value {
  return protoProperty(ev, inst.cls, inst, key, node);
}

/** A property of a class: its statics, then those of the classes it extends. */
export function staticProperty(ev: Interpreter, cls: ClassValue, key: string, node: ts.Node): Value {
  for (let c: ClassValue | undefined = cls; c; c = c.parent) {
    if (c.escaped || c.statics.tainted) return ev.opaque(`${ev.text(node)} may have been changed by code the analysis cannot see (its class was handed over)`, node, [cls]);
    const s = c.statics.props.get(key);
    if (s) return s.value;
  }
  // Dag's own statics (`isDag`, `load`) are not modelled.
  if (cls.dagBased) return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node, [cls]);
  const method = functionMethod(key);
  if (method) return method;
  // What a function has of its own or from Function.prototype (`name`, which the bundle may rename, …).
  if (key === 'prototype' || key in Function.prototype) return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node, [cls]);
  return undefined;
}

/**
 * Writing a property an instance does not have itself: a setter on the prototype runs; a getter without
 * a setter makes it fail (a TypeError in a class's strict code). Returns false when it is a plain write.
 */
export function setInstanceProperty(ev: Interpreter, inst: InstanceValue, key: string, value: Value, assignment: ts.Node): boolean {
  if (inst.props.has(key)) return false;
  const cls = inst.cls;
  if (cls.chainEscaped()) {
    const why = ev.unknown(`${ev.text(assignment)} may run a setter of code the analysis cannot see (its class was handed over)`, assignment);
    ev.mayThrow();
    ev.escape(inst, why);
    ev.escape(value, why);
    return true;
  }
  const m = cls.findProto(key);
  if (!m || m.method) return false;
  if (m.set) {
    ev.call(m.set, inst, [value], { node: assignment, args: [], argumentCount: 1 });
    return true;
  }
  if (insideClass(assignment)) ev.throwError(`Cannot set property ${key} of #<${cls.name || 'Object'}> which has only a getter`, assignment);
  ev.throwsIfStrict(`${ev.text(assignment)} writes a property that has only a getter`, assignment);
  return true;
}

/** `C.x = v`: a static property (the function's own `name`, `length` and `prototype` are not modelled). */
export function setStaticProperty(ev: Interpreter, cls: ClassValue, key: string, value: Value, assignment: ts.Node): void {
  if (FUNCTION_OWN.has(key)) {
    const why = ev.unknown(`${ev.text(assignment)} changes a property of a class the analysis does not model`, assignment);
    // A class's own `name`, `length` and `prototype` are read-only: in strict code the write throws.
    ev.throwsIfStrict(`${ev.text(assignment)} writes a class's read-only ${key}`, assignment);
    ev.escape(cls, why);
    ev.escape(value, why);
    return;
  }
  ev.setProperty(cls.statics, key, value, assignment);
}

function insideClass(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return true;
  return false;
}

// ───────────────────────────── private members (#x) ─────────────────────────────

const instanceBrandKey = (cls: ClassValue) => `${cls.serial} brand`;
const staticBrandKey = (cls: ClassValue) => `${cls.serial} static brand`;

/** Makes the private names a class declares, new for this evaluation of it. */
function declarePrivates(cls: ClassValue, shape: Shape): void {
  for (const m of [...shape.fields, ...shape.statics, ...shape.methods]) {
    if (ts.isClassStaticBlockDeclaration(m) || !isPrivateMember(m)) continue;
    const name = memberName(m.name)!;
    if (cls.privates.has(name)) continue; // a getter and its setter
    const isStatic = hasModifier(m, SK.StaticKeyword);
    cls.privates.set(name, {
      name,
      // No name has a space: never the key of another member, class or evaluation.
      key: `${cls.serial} ${name}`,
      isStatic,
      kind: ts.isPropertyDeclaration(m) ? 'field' : ts.isMethodDeclaration(m) ? 'method' : 'accessor',
      brandKey: isStatic ? staticBrandKey(cls) : instanceBrandKey(cls),
      className: cls.name,
    });
  }
}

/**
 * Why code the analysis cannot see may hold `obj` (and so call the class's methods with it), if it may:
 * then what its private store holds is not known, whenever the store was made.
 */
function ownerTaint(ev: Interpreter, obj: ObjectValue | ArrayValue | Closure, node: ts.Node): UnknownValue | undefined {
  if (obj instanceof Closure) return obj.escaped ? ev.unknown(`${ev.text(node)} is on a function handed to code the analysis cannot see`, node) : undefined;
  return obj.tainted;
}

/** The private store of `obj` to add to, or undefined (with `value` handed over) where that is not followed. */
function storeToAdd(ev: Interpreter, obj: Value, value: Value, node: ts.Node): ObjectValue | undefined {
  let why: UnknownValue;
  if (obj instanceof ObjectValue || obj instanceof ArrayValue || obj instanceof Closure) {
    const store = privateStoreOf(obj, true)!;
    const tainted = store.tainted ?? ownerTaint(ev, obj, node);
    if (!tainted) return store;
    why = tainted;
  } else {
    why = obj instanceof Opaque ? obj.unknown : ev.unknown(`${ev.text(node)} is not followed by the analysis`, node);
  }
  ev.mayThrow();
  ev.escape(value, why);
  return undefined;
}

/** Gives `obj` a class's private methods and accessors (JS throws when it has them already). */
function addBrand(ev: Interpreter, obj: Value, brandKey: string, node: ts.Node, className: string): void {
  const store = storeToAdd(ev, obj, undefined, node);
  if (!store) return;
  if (store.props.has(brandKey)) ev.throwError(`Cannot initialize private methods of class ${className || 'anonymous'} twice on the same object`, node);
  ev.touch(store);
  store.props.set(brandKey, ev.slot(true, node));
}

/** Adds a private field to `obj` (JS throws when it has it already). */
function definePrivateField(ev: Interpreter, obj: Value, member: PrivateMember, value: Value, node: ts.Node): void {
  const store = storeToAdd(ev, obj, value, node);
  if (!store) return;
  if (store.props.has(member.key)) ev.throwError(`Cannot initialize ${member.name} twice on the same object`, node);
  ev.touch(store);
  store.props.set(member.key, ev.slot(value, node));
  ev.charge(1, node);
}

/**
 * The private member `#x` names at `id`: declared by the nearest class around it that declares it, in
 * the evaluation of that class the code runs in. Undefined where the analysis does not find it (a
 * computed key or `extends` clause: code outside the class's members).
 */
export function resolvePrivate(id: ts.PrivateIdentifier, scope: Scope): PrivateMember | undefined {
  let declaring: ts.Node | undefined;
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (ts.isClassLike(n) && shapeOf(n).privateNames.has(id.text)) {
      declaring = n;
      break;
    }
  }
  if (!declaring) return undefined;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const home = homes.get(s);
    if (home?.cls.node === declaring) return home.cls.privates.get(id.text);
  }
  return undefined;
}

/** Whether `obj` has `member` (its field, or its class's brand): the store, or why it is not known. */
function privateLookup(ev: Interpreter, obj: Value, member: PrivateMember | undefined, node: ts.Node): ObjectValue | 'absent' | UnknownValue {
  if (!member) return ev.unknown(`${ev.text(node)} is not followed by the analysis`, node);
  if (obj instanceof Opaque) return obj.unknown;
  if (obj === null || typeof obj !== 'object') return 'absent';
  // Only an object the analysis has seen whole is known to have it, or not.
  if (!(obj instanceof ObjectValue || obj instanceof ArrayValue || obj instanceof Closure)) return ev.unknown(`${ev.text(node)} is not followed by the analysis`, node);
  const store = privateStoreOf(obj, false);
  const tainted = store?.tainted ?? ownerTaint(ev, obj, node);
  if (tainted) return tainted;
  return store?.props.has(member.kind === 'field' ? member.key : member.brandKey) ? store : 'absent';
}

function missingPrivate(ev: Interpreter, member: PrivateMember, access: 'read' | 'write', node: ts.Node): never {
  if (member.kind === 'field') {
    ev.throwError(access === 'read' ? `Cannot read private member ${member.name} from an object whose class did not declare it` : `Cannot write private member ${member.name} to an object whose class did not declare it`, node);
  }
  ev.throwError(member.isStatic ? `Receiver must be class ${member.className || 'anonymous'}` : `Receiver must be an instance of class ${member.className || 'anonymous'}`, node);
}

/** `obj.#x`: a private field's value, a private method, or what a private getter returns. */
export function getPrivate(ev: Interpreter, obj: Value, member: PrivateMember | undefined, node: ts.PropertyAccessExpression): Value {
  if (obj === null || obj === undefined) ev.throwError(`Cannot read properties of ${String(obj)} (reading '${node.name.text}')`, node);
  const found = privateLookup(ev, obj, member, node);
  if (found instanceof UnknownValue) {
    ev.mayThrow();
    return new Opaque(found, reachOf([obj]));
  }
  if (found === 'absent') missingPrivate(ev, member!, 'read', node);
  const m = member!;
  if (m.kind === 'field') return found.props.get(m.key)!.value;
  if (m.kind === 'method') return m.method;
  if (!m.get) ev.throwError(`'${m.name}' was defined without a getter`, node);
  return ev.call(m.get, obj, [], { node, args: [], argumentCount: 0 });
}

/** `obj.#x = value`: a private field, or a private setter run. */
export function setPrivate(ev: Interpreter, obj: Value, member: PrivateMember | undefined, value: Value, node: ts.Node): void {
  if (obj === null || obj === undefined) ev.throwError(`Cannot set properties of ${String(obj)} (setting '${member?.name ?? ev.text(node)}')`, node);
  const found = privateLookup(ev, obj, member, node);
  if (found instanceof UnknownValue) {
    ev.mayThrow();
    if (!member) ev.escape(obj, found);
    ev.escape(value, found);
    return;
  }
  if (found === 'absent') missingPrivate(ev, member!, 'write', node);
  const m = member!;
  if (m.kind === 'field') {
    ev.touch(found);
    found.props.set(m.key, ev.slot(value, node));
    return;
  }
  if (m.kind === 'method') ev.throwError(`Private method '${m.name}' is not writable`, node);
  if (!m.set) ev.throwError(`'${m.name}' was defined without a setter`, node);
  ev.call(m.set, obj, [value], { node, args: [], argumentCount: 1 });
}

/** `#x in obj`. */
export function privateIn(ev: Interpreter, member: PrivateMember | undefined, obj: Value, node: ts.BinaryExpression): Value {
  if (obj === null || typeof obj !== 'object') ev.throwError(`Cannot use 'in' operator to search for '${(node.left as ts.PrivateIdentifier).text}' in ${String(obj)}`, node);
  const found = privateLookup(ev, obj, member, node);
  if (found instanceof UnknownValue) return new Opaque(found);
  return found !== 'absent';
}
