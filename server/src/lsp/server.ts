/**
 * The language server: maps LSP requests onto the document model. Every handler reads one analysis
 * per document text (see `modelCache.ts`) and never throws at the client (see `runSafe.ts`).
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  LSPErrorCodes,
  ResponseError,
  DidChangeConfigurationNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AffectedPipelinesRequest, DiffRequest, EncodedDagRequest, StoreChangedNotification, type InitializationOptions } from '../protocol';
import { StoreView } from './storeView';
import { URI } from 'vscode-uri';
import { codeActions } from './features/codeActions';
import { diagnostics } from './features/diagnostics';
import { hover } from './features/hover';
import { codeLenses, isLensData, lensCommand, lensTexts, resolveLens } from './features/lenses';
import { recalledStillHolds, type LensMemory, type Recalled } from './lensMemory';
import { completion, definition, documentSymbols, prepareRename, references, rename, type ReaderPipeline } from './features/navigation';
import { diffRequest, encodedDagInfo } from './features/requests';
import { IdleCollector } from './idleCollector';
import { ReadWatchers } from './readWatchers';
import { fileNameOf, ModelCache } from './modelCache';
import type { DocumentModel } from '../model/documentModel';
import { WorkspaceFiles } from './workspaceFiles';
import { pipelineModulesIn } from './workspacePipelines';
import { letMessagesIn, logError, runSafe, runSafeAsync } from './runSafe';

/** Pipeline modules are `*.alamode.ts`; other TypeScript files are left to TypeScript. */
export function isPipelineUri(uri: string): boolean {
  return /\.alamode\.(m|c)?ts$/.test(uri.split('?')[0]!);
}

/**
 * The documents the features are for. The client also sends the text of the helpers, JSON files and
 * configs pipelines import (so their unsaved edits count), but hovers, lenses, rename and the rest
 * stay TypeScript's alone there: each feature is registered for pipeline modules only. (Clients that
 * attach the server per buffer, as Neovim does, ignore this and ask only for the buffers they attach.)
 */
const PIPELINE_DOCUMENTS = [{ pattern: '**/*.alamode.{ts,mts,cts}' }];

/**
 * Sends a message nobody waits for (a refresh, diagnostics). A timer or a store watcher can fire after
 * the client has gone: vscode-jsonrpc then throws "Connection is disposed" synchronously (not as a
 * rejection), and with nobody left to tell, that is not an error.
 */
function sendQuietly(send: () => Promise<unknown>): void {
  try {
    send().catch(() => {});
  } catch {
    // The connection is closed or disposed.
  }
}

function onPipelines<T extends object>(options: T): T {
  // `documentSelector` belongs to the registration options, which the client honours statically too.
  return { ...options, documentSelector: PIPELINE_DOCUMENTS };
}

/** Diagnostics wait this long after the last keystroke, so fast typing is not analysed letter by letter. */
const DIAGNOSTICS_DELAY_MS = 60;

/**
 * A pipeline whose lenses were recalled (see `lensMemory.ts`) is analysed once the editor has asked for
 * them, or after this long if it does not ask (its diagnostics were recalled too).
 */
const RECALLED_ANALYSIS_DELAY_MS = 1_000;
/** Once the recalled lenses are answered: the answer is written first (see `onCodeLens`). */
const AFTER_RECALLED_ANSWER_MS = 50;

/** Lenses say "built 2 h ago": asked again this often so the ages stay roughly true. */
const AGE_REFRESH_MS = 60_000;
/**
 * What the workspace's analysis at start may take (see `primeWorkspace`): 200 modules is the bench's
 * workspace; 20 s of work, a few thousand-task modules on a 2-core machine.
 */
const PRIMED_MODULES = 200;
const PRIMING_MS = 20_000;
/** How long the workspace's analysis waits after `initialized` (see `onInitialized`). */
const PRIMING_DELAY_MS = 200;

/** When a file last changed (0: it cannot be looked at; it sorts last). */
function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Which of the workspace's pipeline modules to analyse, in which order (all, as listed, by default). */
interface WorkspaceAnalysisBounds {
  readonly order?: (paths: string[]) => string[];
  /** Whether enough modules were analysed (checked before each). */
  readonly enough?: (analysed: number) => boolean;
  /** Whether to keep a module's model once analysed (else it is dropped, unless the module is open). */
  readonly keep?: (model: DocumentModel) => boolean;
  /** Whether to leave a module alone (its document's own analysis is scheduled). */
  readonly skip?: (uri: string) => boolean;
}

export interface ServerHooks {
  /** Called when the client sends `shutdown` (an `exit` after it is then a clean one). */
  readonly onShutdown?: () => void;
  /** How the server's code was compiled (the launcher's code cache), said once in the client's log. */
  readonly startedWith?: string;
  /** Runs each time the server is quiet after work; what it returns is said in the client's log. */
  readonly onQuiet?: () => string | undefined;
  /** Where open pipelines' lenses are remembered, to be shown when the same text is opened again. */
  readonly lensMemory?: LensMemory;
}

export function startServer(connection: Connection, hooks: ServerHooks = {}): void {
  const documents = new TextDocuments(TextDocument);
  const isOpen = (uri: string) => documents.get(uri) !== undefined;
  // What pipelines import, as the editor has it: open documents' unsaved text first, then the disk.
  const files = new WorkspaceFiles();
  // Memory grown by analyses goes back once typing stops (see idleCollector.ts).
  const collector = new IdleCollector(() => {
    rememberOpenPipelines();
    const said = hooks.onQuiet?.();
    if (said) connection.console.info(said);
  });
  /**
   * Open pipelines whose lenses were recalled from an earlier analysis of the same text (see
   * lensMemory.ts), until their own model is built; `text`: the text they were recalled for;
   * `answered`: the editor was given them, so it is asked for its lenses again then.
   */
  const recalled = new Map<string, { text: string; recalled: Recalled; answered: boolean }>();
  const models = new ModelCache(
    (e) => logError(connection, 'the analysis failed (a bug: please report it)', e),
    files,
    (uri, model) => {
      files.recordReads(uri, model.analysis.modules);
      collector.touch();
      const wasRecalled = recalled.get(uri);
      recalled.delete(uri);
      if (wasRecalled?.answered) refreshLenses();
    },
    // An open document's events keep its model right only with watchers on what it read: a client
    // without them (Neovim 0.7) hears of no `git checkout` of a helper, so its models are checked on
    // use, as closed modules' are.
    (uri) => isOpen(uri) && readWatchers !== undefined,
  );
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  /** Set at shutdown: the workspace's analysis stops. */
  let stopped = false;
  /** Set when the client lets the server register file watchers (see readWatchers.ts). */
  let readWatchers: ReadWatchers | undefined;

  const pipelineDocument = (uri: string) => (isPipelineUri(uri) ? documents.get(uri) : undefined);
  /** Watchers on what the pipelines read now, the open ones' first (see readWatchers.ts). */
  const updateWatchers = () => {
    if (!stopped) readWatchers?.update(files.allReads(isOpen), inWorkspace);
  };
  const inWorkspace = (path: string) => workspaceFolders.some((folder) => {
    const inside = relative(folder, path);
    return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
  });

  // The stores' records, read-only. When records land, lenses and the panel are asked to look again.
  let canRefreshLenses = false;
  let canPullConfiguration = false;
  let hasWorkspaceFolders = false;
  let workspaceFolders: string[] = [];
  let initialStorePath: string | undefined;
  /**
   * Whether lenses are listed without titles and resolved one by one. Only for clients that say they
   * resolve just the lenses on screen (the VS Code client does): LSP has no capability for it, and a
   * client that resolves every lens (Neovim 0.7 does) would send one request per task instead.
   */
  let lazyLenses = false;
  /** Whether to analyse the workspace's pipelines at start (see `primeWorkspace`). */
  let analyseWorkspaceOnStart = false;
  const refreshLenses = () => {
    if (canRefreshLenses) sendQuietly(() => connection.sendRequest(CodeLensRefreshRequest.type));
  };
  const stores = new StoreView((root) => {
    refreshLenses();
    sendQuietly(() => connection.sendNotification(StoreChangedNotification.type, { store: root }));
  });
  /** The store of a document on disk, when it exists. */
  const storeOf = (uri: string) => (uri.startsWith('file:') ? stores.forFile(fileNameOf(uri)) : undefined);
  const ageTimer = setInterval(() => {
    if (documents.all().some((d) => isPipelineUri(d.uri) && storeOf(d.uri))) refreshLenses();
  }, AGE_REFRESH_MS);
  ageTimer.unref();

  /** `alamode.store.path` of each workspace folder (VS Code), else the client's `initializationOptions.storePath`. */
  const pullStoreSettings = async () => {
    const folders = new Map<string, string>();
    if (canPullConfiguration) {
      try {
        const scopes = workspaceFolders.length > 0 ? workspaceFolders : [];
        const values = await connection.workspace.getConfiguration(scopes.map((f) => ({ scopeUri: URI.file(f).toString(), section: 'alamode.store.path' })));
        scopes.forEach((f, i) => {
          const v = values[i];
          if (typeof v === 'string' && v.trim() !== '') folders.set(f, v.trim());
        });
      } catch {
        // A client that says it answers configuration but does not: the defaults stand.
      }
    }
    stores.configure({ folders, ...(initialStorePath ? { fallback: initialStorePath } : {}) });
  };

  connection.onInitialize((params): InitializeResult => {
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    hasWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
    const watching = params.capabilities.workspace?.didChangeWatchedFiles;
    if (watching?.dynamicRegistration === true) readWatchers = new ReadWatchers(connection, watching.relativePatternSupport === true);
    workspaceFolders = (params.workspaceFolders ?? []).map((f) => URI.parse(f.uri).fsPath);
    const options = params.initializationOptions as InitializationOptions | undefined;
    lazyLenses = options?.resolveLenses === true;
    analyseWorkspaceOnStart = options?.analyseWorkspaceOnStart === true;
    initialStorePath = typeof options?.storePath === 'string' && options.storePath !== '' ? options.storePath : undefined;
    stores.configure({ folders: new Map(), ...(initialStorePath ? { fallback: initialStorePath } : {}) });
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeLensProvider: onPipelines({ resolveProvider: lazyLenses }),
        hoverProvider: onPipelines({}),
        definitionProvider: onPipelines({}),
        referencesProvider: onPipelines({}),
        renameProvider: onPipelines({ prepareProvider: true }),
        completionProvider: onPipelines({ triggerCharacters: ["'", '"', '`'] }),
        documentSymbolProvider: onPipelines({}),
        codeActionProvider: onPipelines({ codeActionKinds: [CodeActionKind.QuickFix] }),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'alamode-language-server' },
    };
  });

  connection.onInitialized(() => {
    if (hooks.startedWith) connection.console.info(hooks.startedWith);
    // Kept models of closed modules stay right only while a watcher reports what changes on disk.
    // After a moment: the documents an editor restores open right after `initialized`, and one whose
    // lenses are remembered shows them rather than waiting behind its own analysis at start (a large
    // document's text can take longer to arrive than finding the workspace's modules).
    if (analyseWorkspaceOnStart && readWatchers && workspaceFolders.length > 0) {
      setTimeout(() => {
        if (!stopped) void primeWorkspace();
      }, PRIMING_DELAY_MS).unref();
    }
    if (canPullConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'alamode' }).catch(() => {});
      void pullStoreSettings().then(refreshLenses);
      if (hasWorkspaceFolders) {
        connection.workspace.onDidChangeWorkspaceFolders((e) => {
          const removed = new Set(e.removed.map((f) => URI.parse(f.uri).fsPath));
          workspaceFolders = [...workspaceFolders.filter((f) => !removed.has(f)), ...e.added.map((f) => URI.parse(f.uri).fsPath)];
          void pullStoreSettings().then(refreshLenses);
        });
      }
    }
  });
  connection.onDidChangeConfiguration(() => {
    void pullStoreSettings().then(refreshLenses);
  });

  const publish = (uri: string) => {
    pending.delete(uri);
    const document = pipelineDocument(uri);
    if (!document) return;
    try {
      const model = models.get(document);
      // Typing paused: the files pipelines read now are those to watch.
      updateWatchers();
      const published = diagnostics(model, document);
      sendQuietly(() => connection.sendDiagnostics({ uri, version: document.version, diagnostics: published }));
    } catch (e) {
      logError(connection, `analysing ${uri} failed`, e);
    }
  };

  /** Models whose lenses are remembered already (see lensMemory.ts). */
  const remembered = new WeakSet<DocumentModel>();
  /** Remembers an open pipeline's lenses and diagnostics, if its current model is built and not yet remembered. */
  const rememberLenses = (document: TextDocument) => {
    const memory = hooks.lensMemory;
    const model = memory && document.uri.startsWith('file:') ? models.cached(document) : undefined;
    if (!memory || !model || remembered.has(model)) return;
    remembered.add(model);
    try {
      const why = memory.remember(fileNameOf(document.uri), document.getText(), model, lensTexts(model, document), diagnostics(model, document));
      if (why) connection.console.log(`lenses of ${fileNameOf(document.uri)} not remembered: ${why}`);
    } catch (e) {
      logError(connection, 'remembering lenses failed', e);
    }
  };
  const rememberOpenPipelines = () => {
    for (const document of documents.all()) if (isPipelineUri(document.uri)) rememberLenses(document);
  };

  /**
   * Shows what was remembered of the text just opened, if it holds (see lensMemory.ts): its
   * diagnostics now, its lenses when asked; the analysis waits for the editor to ask for them.
   * Only for clients that can be asked to fetch lenses again, once the analysis has run.
   */
  const recall = (document: TextDocument): boolean => {
    const memory = hooks.lensMemory;
    if (!memory || !canRefreshLenses || !document.uri.startsWith('file:') || models.cached(document)) return false;
    const started = performance.now();
    const path = fileNameOf(document.uri);
    let answer: ReturnType<LensMemory['recall']>;
    try {
      answer = memory.recall(path, document.getText(), files);
    } catch (e) {
      logError(connection, 'recalling lenses failed', e);
      return false;
    }
    if (!('recalled' in answer)) {
      if (answer.remembered) connection.console.log(`lenses of ${path} not recalled: ${answer.why}`);
      return false;
    }
    recalled.set(document.uri, { text: document.getText(), recalled: answer.recalled, answered: false });
    sendQuietly(() => connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: [...answer.recalled.diagnostics] }));
    connection.console.log(`lenses of ${path} recalled from an earlier analysis of the same text and files (${Math.round(performance.now() - started)} ms); analysing it again`);
    return true;
  };

  /**
   * Whether what was recalled for a document still holds when it is shown: the same text, and every
   * file its analysis read the same now (a helper changed or opened since the recall is read anew).
   */
  const stillRecalled = (uri: string, entry: { text: string; recalled: Recalled }): boolean => {
    return pipelineDocument(uri)?.getText() === entry.text && recalledStillHolds(entry.recalled, files);
  };

  const schedule = (uri: string, delay: number) => {
    // After `shutdown` nothing more is analysed or published (a client may still send changes).
    if (stopped) return;
    clearTimeout(pending.get(uri));
    pending.set(uri, setTimeout(() => publish(uri), delay));
  };

  /**
   * Pipelines whose models were dropped are analysed again after `delay`, and the editor is asked for
   * fresh lenses. Lens refreshes wait for the typing to pause, like diagnostics.
   */
  let lensRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  const reanalyse = (uris: readonly string[], delay: number) => {
    for (const uri of uris) schedule(uri, delay);
    if (uris.length > 0) {
      clearTimeout(lensRefreshTimer);
      lensRefreshTimer = setTimeout(refreshLenses, delay);
    }
  };

  /**
   * A file pipelines may read changed (a helper typed in, or changed on disk): every pipeline whose
   * analysis read it (or looked for it) is analysed again.
   */
  const fileChanged = (path: string, delay: number) => {
    const readers = files.readersOf(path);
    for (const uri of readers) models.invalidate(uri);
    reanalyse(readers, delay);
  };

  /**
   * A file now reads from another source (opened: its document; closed: the disk again), perhaps with
   * the same text (`'text'`), or was made or removed on disk while a document holds its text
   * (`'presence'`): only the pipelines whose analysis read something else of it are analysed again, so
   * opening a helper or a pipeline as the analyses read it (a module analysed at start) costs none.
   */
  const fileSourceChanged = (path: string, what: 'text' | 'presence') =>
    reanalyse(files.readersOf(path).filter((uri) => models.dropIfStale(uri, path, what)), 0);

  /** TextDocuments reports an open as a change of content too, right after it: the open has said it all. */
  let justOpened: string | undefined;
  documents.onDidOpen((e) => {
    const uri = e.document.uri;
    let scheduled = false;
    // Opened again without a close (a client may): what was recalled was for the other text.
    recalled.delete(uri);
    // Only a file's own document is what pipelines read of it: not a `git:` view of it (the left side
    // of a diff), nor an untitled document named after it.
    if (uri.startsWith('file:')) {
      // A model kept under `URI.file`'s spelling of the same file (the start's, a rename's) goes: a client
      // that spells `@` where it writes `%40` would otherwise have the file twice among the readers.
      const kept = URI.file(fileNameOf(uri)).toString();
      if (kept !== uri && !documents.get(kept)) {
        models.invalidate(kept);
        files.forget(kept);
      }
      files.opened(uri, () => documents.get(uri)?.getText() ?? '');
      // Its text may differ from the disk's (a client restoring unsaved edits, a change no watcher saw).
      fileSourceChanged(fileNameOf(uri), 'text');
      // Recalled as the analysis would read it: after the document is what reading the file gives.
      if (isPipelineUri(uri) && recall(e.document)) {
        schedule(uri, RECALLED_ANALYSIS_DELAY_MS);
        scheduled = true;
      }
    }
    if (isPipelineUri(uri) && !scheduled) schedule(uri, 0);
    justOpened = uri;
  });
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    collector.busy();
    if (justOpened === uri) {
      justOpened = undefined;
      return;
    }
    recalled.delete(uri);
    if (isPipelineUri(uri)) schedule(uri, DIAGNOSTICS_DELAY_MS);
    if (uri.startsWith('file:')) fileChanged(fileNameOf(uri), DIAGNOSTICS_DELAY_MS);
  });
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    if (uri.startsWith('file:')) files.closed(uri);
    if (isPipelineUri(uri)) {
      clearTimeout(pending.get(uri));
      pending.delete(uri);
      recalled.delete(uri);
      // Reopened as it is, it shows its lenses at once.
      rememberLenses(e.document);
      models.delete(uri);
      files.forget(uri);
      sendQuietly(() => connection.sendDiagnostics({ uri, diagnostics: [] }));
    }
    // Closed unsaved: pipelines that read it go back to the file on disk.
    if (uri.startsWith('file:')) fileSourceChanged(fileNameOf(uri), 'text');
  });
  // `git checkout`, a save from another tool, a new file where an import looked: the client's watcher.
  connection.onDidChangeWatchedFiles((e) => {
    for (const change of e.changes) {
      const path = fileNameOf(change.uri);
      files.changedOnDisk(path);
      // An open document's text is what the analysis reads, whatever the disk now holds; but a folder's
      // listing and `existsSync` answer from the disk, so its being made or removed still counts.
      if (!documents.get(change.uri)) fileChanged(path, 0);
      else if (change.type !== FileChangeType.Changed) fileSourceChanged(path, 'presence');
    }
  });

  /** Runs a feature on the document's current model; unknown documents answer `empty`. */
  function withModel<T>(what: string, uri: string, token: Parameters<typeof runSafe>[2], empty: T, work: (model: ReturnType<ModelCache['get']>, document: TextDocument) => T) {
    collector.busy();
    return runSafe(connection, what, token, empty, () => {
      const document = pipelineDocument(uri);
      return document ? work(models.get(document), document) : empty;
    });
  }

  /**
   * A number per analysis, for lens `data`: a resolve answers only from the analysis its list came
   * from (a helper's change re-analyses the same text, and the lens at an index may then be another).
   */
  const modelIds = new WeakMap<object, number>();
  let nextModelId = 1;
  const modelId = (m: object) => {
    let id = modelIds.get(m);
    if (id === undefined) modelIds.set(m, (id = nextModelId++));
    return id;
  };
  /** The open pipeline whose current model has that number (none: the list is of a text that is gone). */
  const documentOfModel = (id: number): TextDocument | undefined =>
    documents.all().find((d) => {
      const model = isPipelineUri(d.uri) ? models.cached(d) : undefined;
      return model !== undefined && modelIds.get(model) === id;
    });

  connection.onCodeLens((p, token) => {
    const uri = p.textDocument.uri;
    collector.busy();
    const remembered = recalled.get(uri);
    if (remembered && !stillRecalled(uri, remembered)) recalled.delete(uri);
    else if (remembered) {
      // Titled in the list (no resolve: no model answers for them). The analysis runs right after the
      // answer is written (vscode-jsonrpc writes it in a later turn of the event loop than a 0 ms timer).
      remembered.answered = true;
      schedule(uri, AFTER_RECALLED_ANSWER_MS);
      const statusOf = storeOf(uri)?.status;
      return remembered.recalled.lenses.map(({ range, text }) => ({ range, command: lensCommand(text, statusOf) }));
    }
    return withModel('code lenses', uri, token, [], (m, d) =>
      codeLenses(m, d, storeOf(d.uri)?.status, lazyLenses ? { model: modelId(m) } : undefined));
  });
  connection.onCodeLensResolve((lens, token) => {
    collector.busy();
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    // A list for a text that is gone: the editor asks for the new list (never a title from another version).
    const modified = () => new ResponseError(LSPErrorCodes.ContentModified, 'the document changed since these lenses were listed');
    // A lens listed with its title (a recalled one) is resolved already.
    if (lens.command) return lens;
    const data: unknown = lens.data;
    if (!isLensData(data)) return modified();
    const [listedFrom, index] = data;
    return runSafe(connection, 'code lens resolve', token, lens, () => {
      // Only the model the list came from answers, and only while it is its document's current one; a
      // resolve never starts an analysis (a model dropped since, by a helper's change, means the list
      // is stale too).
      const document = documentOfModel(listedFrom);
      const model = document && models.cached(document);
      if (!model) return modified();
      return resolveLens(model, lens, index, storeOf(document.uri)?.status) ?? modified();
    });
  });
  connection.onHover((p, token) => withModel('hover', p.textDocument.uri, token, null, (m, d) => hover(m, d, d.offsetAt(p.position), storeOf(d.uri))));
  connection.onDefinition((p, token) => withModel('definition', p.textDocument.uri, token, null, (m, d) => definition(m, d, d.offsetAt(p.position))));
  connection.onReferences((p, token) => withModel('references', p.textDocument.uri, token, [], (m, d) => references(m, d, d.offsetAt(p.position), p.context.includeDeclaration)));
  connection.onCompletion((p, token) => withModel('completion', p.textDocument.uri, token, [], (m, d) => completion(m, d, d.offsetAt(p.position))));
  connection.onDocumentSymbol((p, token) => withModel('document symbols', p.textDocument.uri, token, [], documentSymbols));
  connection.onCodeAction((p, token) => withModel('code actions', p.textDocument.uri, token, [], (m, d) => codeActions(m, d, p.context.diagnostics)));
  // Rename errors (a computed name, a clash) are meant for the user, so they are not swallowed.
  // The other pipelines that read this one's file (they import its Dag): a rename edits them too.
  const readersOfPipeline = (uri: string): ReaderPipeline[] =>
    files.readersOf(fileNameOf(uri)).filter((u) => u !== uri && isPipelineUri(u)).flatMap((u) => {
      const document = pipelineText(u);
      return document ? [{ model: models.get(document), document }] : [];
    });
  /**
   * Every pipeline module of the workspace analysed (once per text: the models are kept, as for the
   * panel), so the readers include those nobody opened; other requests (a keystroke's lenses) go first
   * between pipelines.
   */
  const analyseWorkspacePipelines = async (bounds: WorkspaceAnalysisBounds = {}): Promise<number> => {
    let analysed = 0;
    const paths = await pipelineModulesIn(workspaceFolders);
    for (const path of bounds.order?.(paths) ?? paths) {
      if (stopped || bounds.enough?.(analysed)) break;
      let document: TextDocument | undefined;
      try {
        document = pipelineText(uriOfPath(path));
      } catch {
        continue; // unreadable: it reads nothing the rename could edit
      }
      if (!document || bounds.skip?.(document.uri) || models.cached(document)) continue;
      const model = models.get(document);
      analysed += 1;
      if (bounds.keep && !bounds.keep(model) && !isOpen(document.uri)) {
        // The analysis' own cache of the result goes too.
        models.delete(document.uri);
        files.forget(document.uri);
      }
      await letMessagesIn();
    }
    return analysed;
  };
  /**
   * rust-analyzer's cache priming: the workspace's pipeline modules are analysed once the server
   * starts, one at a time between messages, and their models kept as a rename keeps them. A module
   * then opened as it is on disk has its lenses without an analysis, and the first analysis of any
   * other runs on code the JIT has already compiled (cold, a 3,000-task module's first analysis takes
   * about twice as long). A change on disk re-analyses a kept model when asked, like an open one's.
   * The most recently changed first (those a user is likely to open), and within a bound: a monorepo of
   * thousands of pipelines does not keep the server busy, nor its memory full, for minutes after a start.
   */
  const primeWorkspace = async (): Promise<void> => {
    const started = performance.now();
    try {
      const analysed = await analyseWorkspacePipelines({
        order: (paths) => paths.map((path) => ({ path, changed: modifiedAt(path) })).sort((a, b) => b.changed - a.changed).map((p) => p.path),
        enough: (n) => n >= PRIMED_MODULES || performance.now() - started > PRIMING_MS,
        // An analysis stopped by a budget may have stopped for the load at start (its time limit):
        // the module is analysed afresh when asked.
        keep: (model) => !model.analysis.diagnostics.some((d) => d.code === 'analysis-limit'),
        // Its lenses were recalled: its own analysis follows the editor's asking for them.
        skip: (uri) => recalled.has(uri),
      });
      if (stopped) return;
      updateWatchers();
      connection.console.info(`analysed ${analysed} pipeline module${analysed === 1 ? '' : 's'} of the workspace in ${Math.round(performance.now() - started)} ms`);
    } catch (e) {
      logError(connection, 'analysing the workspace\'s pipelines failed', e);
    }
  };
  connection.onPrepareRename(async (p) => {
    await analyseWorkspacePipelines();
    // After the awaits: the document as it is now.
    const document = pipelineDocument(p.textDocument.uri);
    return document ? prepareRename(models.get(document), document, document.offsetAt(p.position), readersOfPipeline(document.uri)) : null;
  });
  connection.onRenameRequest(async (p) => {
    await analyseWorkspacePipelines();
    const document = pipelineDocument(p.textDocument.uri);
    return document ? rename(models.get(document), document, document.offsetAt(p.position), p.newName, readersOfPipeline(document.uri)) : null;
  });

  connection.onRequest(EncodedDagRequest.type, (p, token) =>
    withModel(EncodedDagRequest.method, p.uri, token, { uri: p.uri, version: -1, dags: [] }, encodedDagInfo));

  connection.onRequest(DiffRequest.type, (p, token) =>
    runSafeAsync(connection, DiffRequest.method, token, { kind: 'unavailable', uri: p.uri, reason: 'the diff failed; see the A La Mode output channel' } as DiffRequest.Result, async () => {
      const document = pipelineDocument(p.uri);
      if (!document) return { kind: 'unavailable', uri: p.uri, reason: 'not an open pipeline module (*.alamode.ts)' };
      // A snapshot: the document object is updated in place by later edits while the diff awaits git,
      // and the reply must describe (version, ranges) the text it was computed from.
      const snapshot = TextDocument.create(document.uri, document.languageId, document.version, document.getText());
      const superseded = () => pipelineDocument(p.uri)?.version !== snapshot.version;
      return diffRequest(models.get(snapshot), snapshot, fileNameOf(document.uri), p.base, { token, superseded }, storeOf(document.uri));
    }));

  /**
   * The URI the editor names a file by: an open document's own (a client may spell `@` where
   * `URI.file` writes `%40`; two spellings of one file would be two modules), else `URI.file`'s.
   */
  const uriOfPath = (path: string): string =>
    documents.all().find((d) => d.uri.startsWith('file:') && fileNameOf(d.uri) === path)?.uri ?? URI.file(path).toString();

  /** A pipeline module as the editor has it: its open document, else its file on disk. */
  const pipelineText = (uri: string): TextDocument | undefined => {
    const open = documents.get(uri);
    if (open) return TextDocument.create(open.uri, open.languageId, open.version, open.getText());
    if (!uri.startsWith('file:')) return undefined;
    const text = files.readFile(fileNameOf(uri));
    return text === undefined ? undefined : TextDocument.create(uri, 'typescript', 0, text);
  };

  connection.onRequest(AffectedPipelinesRequest.type, (p, token) =>
    runSafeAsync(connection, AffectedPipelinesRequest.method, token, { uri: p.uri, pipelines: [], skipped: [] } as AffectedPipelinesRequest.Result, async () => {
      const path = fileNameOf(p.uri);
      const pipelines: AffectedPipelinesRequest.Result['pipelines'][number][] = [];
      const skipped: AffectedPipelinesRequest.Result['skipped'][number][] = [];
      for (const uri of [...new Set(p.candidates)].filter(isPipelineUri).sort()) {
        if (token.isCancellationRequested) break;
        let document: TextDocument | undefined;
        try {
          document = pipelineText(uri);
        } catch (e) {
          skipped.push({ uri, reason: `it cannot be read: ${(e as Error).message}` });
          continue;
        }
        if (!document) {
          skipped.push({ uri, reason: 'it cannot be read' });
          continue;
        }
        const model = models.get(document);
        // Pipelines that read the file (or are the file): an edit of it re-keys theirs.
        if (uri !== p.uri && !model.analysis.modules.includes(path)) continue;
        pipelines.push({ uri, result: await diffRequest(model, document, fileNameOf(uri), p.base, { token, superseded: () => false }, storeOf(uri)) });
        // Other requests (a keystroke's lenses) go first between pipelines.
        await letMessagesIn();
      }
      return { uri: p.uri, pipelines, skipped };
    }));

  // Pending diagnostics must not fire into a closed connection.
  const stopTimers = () => {
    stopped = true;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
    clearTimeout(lensRefreshTimer);
    clearInterval(ageTimer);
    stores.dispose();
    collector.dispose();
  };
  connection.onShutdown(() => {
    hooks.onShutdown?.();
    if (!stopped) rememberOpenPipelines();
    stopTimers();
  });
  connection.onExit(stopTimers);

  documents.listen(connection);
  connection.listen();
}
