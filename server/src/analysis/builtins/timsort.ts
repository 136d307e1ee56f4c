/**
 * V8's TimSort (`third_party/v8/builtins/array-sort.tq`, itself a port of CPython's `listsort`), step
 * for step: the same runs, the same merges, the same galloping, so the same comparator calls in the same
 * order. For a consistent comparator any stable sort gives the same order; for an inconsistent one
 * (`(a, b) => a > b`, which never says "less") only this exact algorithm gives V8's. Written by hand
 * because no library reproduces V8's call sequence; `test/analysis/timsort.test.ts` checks it against
 * Node's own `Array.prototype.sort`, calls included.
 *
 * `compare` returns the comparator's result as a number (NaN counted as 0 by the caller) or throws to
 * abandon the sort.
 */

/** V8's `kMinGallopWins`: wins in a row before merging gallops, and the initial `minGallop`. */
const MIN_GALLOP_WINS = 7;

/** Sorts `work` in place. */
export function timSort<T>(work: T[], compare: (a: T, b: T) => number): void {
  const length = work.length;
  if (length < 2) return;
  const runBase: number[] = [];
  const runLength: number[] = [];
  let minGallop = MIN_GALLOP_WINS;

  /** Moves `count` elements as `memmove` does (source and destination may overlap). */
  const copy = (source: T[], from: number, target: T[], to: number, count: number): void => {
    if (source === target && from < to) for (let i = count - 1; i >= 0; i--) target[to + i] = source[from + i]!;
    else for (let i = 0; i < count; i++) target[to + i] = source[from + i]!;
  };

  const countAndMakeRun = (lowArg: number, high: number): number => {
    const low = lowArg + 1;
    if (low === high) return 1;
    let run = 2;
    let order = compare(work[low]!, work[low - 1]!);
    const descending = order < 0;
    let previous = work[low]!;
    for (let idx = low + 1; idx < high; idx++) {
      const current = work[idx]!;
      order = compare(current, previous);
      if (descending ? order >= 0 : order < 0) break;
      previous = current;
      run++;
    }
    if (descending) for (let lo = lowArg, hi = lowArg + run - 1; lo < hi; lo++, hi--) [work[lo], work[hi]] = [work[hi]!, work[lo]!];
    return run;
  };

  const binaryInsertionSort = (low: number, startArg: number, high: number): void => {
    for (let start = low === startArg ? startArg + 1 : startArg; start < high; start++) {
      let left = low;
      let right = start;
      const pivot = work[right]!;
      while (left < right) {
        const mid = left + ((right - left) >> 1);
        if (compare(pivot, work[mid]!) < 0) right = mid;
        else left = mid + 1;
      }
      for (let p = start; p > left; p--) work[p] = work[p - 1]!;
      work[left] = pivot;
    }
  };

  /** Where `key` goes in the sorted `array[base, base + len)`: before the first element not less than it. */
  const gallopLeft = (array: T[], key: T, base: number, len: number, hint: number): number => {
    let lastOfs = 0;
    let offset = 1;
    if (compare(array[base + hint]!, key) < 0) {
      const maxOfs = len - hint;
      while (offset < maxOfs) {
        if (compare(array[base + hint + offset]!, key) >= 0) break;
        lastOfs = offset;
        offset = (offset << 1) + 1;
        if (offset <= 0) offset = maxOfs;
      }
      if (offset > maxOfs) offset = maxOfs;
      lastOfs += hint;
      offset += hint;
    } else {
      const maxOfs = hint + 1;
      while (offset < maxOfs) {
        if (compare(array[base + hint - offset]!, key) < 0) break;
        lastOfs = offset;
        offset = (offset << 1) + 1;
        if (offset <= 0) offset = maxOfs;
      }
      if (offset > maxOfs) offset = maxOfs;
      const tmp = lastOfs;
      lastOfs = hint - offset;
      offset = hint - tmp;
    }
    lastOfs++;
    while (lastOfs < offset) {
      const m = lastOfs + ((offset - lastOfs) >> 1);
      if (compare(array[base + m]!, key) < 0) lastOfs = m + 1;
      else offset = m;
    }
    return offset;
  };

  /** Where `key` goes in the sorted `array[base, base + len)`: after the last element not greater than it. */
  const gallopRight = (array: T[], key: T, base: number, len: number, hint: number): number => {
    let lastOfs = 0;
    let offset = 1;
    if (compare(key, array[base + hint]!) < 0) {
      const maxOfs = hint + 1;
      while (offset < maxOfs) {
        if (compare(key, array[base + hint - offset]!) >= 0) break;
        lastOfs = offset;
        offset = (offset << 1) + 1;
        if (offset <= 0) offset = maxOfs;
      }
      if (offset > maxOfs) offset = maxOfs;
      const tmp = lastOfs;
      lastOfs = hint - offset;
      offset = hint - tmp;
    } else {
      const maxOfs = len - hint;
      while (offset < maxOfs) {
        if (compare(key, array[base + hint + offset]!) < 0) break;
        lastOfs = offset;
        offset = (offset << 1) + 1;
        if (offset <= 0) offset = maxOfs;
      }
      if (offset > maxOfs) offset = maxOfs;
      lastOfs += hint;
      offset += hint;
    }
    lastOfs++;
    while (lastOfs < offset) {
      const m = lastOfs + ((offset - lastOfs) >> 1);
      if (compare(key, array[base + m]!) < 0) offset = m;
      else lastOfs = m + 1;
    }
    return offset;
  };

  const mergeLow = (baseA: number, lengthAArg: number, baseB: number, lengthBArg: number): void => {
    let lengthA = lengthAArg;
    let lengthB = lengthBArg;
    const temp = work.slice(baseA, baseA + lengthA);
    let dest = baseA;
    let cursorTemp = 0;
    let cursorB = baseB;
    work[dest++] = work[cursorB++]!;
    let copyB = false;
    merge: {
      if (--lengthB === 0) break merge;
      if (lengthA === 1) {
        copyB = true;
        break merge;
      }
      for (;;) {
        let winsA = 0;
        let winsB = 0;
        for (;;) {
          if (compare(work[cursorB]!, temp[cursorTemp]!) < 0) {
            work[dest++] = work[cursorB++]!;
            winsB++;
            lengthB--;
            winsA = 0;
            if (lengthB === 0) break merge;
            if (winsB >= minGallop) break;
          } else {
            work[dest++] = temp[cursorTemp++]!;
            winsA++;
            lengthA--;
            winsB = 0;
            if (lengthA === 1) {
              copyB = true;
              break merge;
            }
            if (winsA >= minGallop) break;
          }
        }
        minGallop++;
        let first = true;
        while (winsA >= MIN_GALLOP_WINS || winsB >= MIN_GALLOP_WINS || first) {
          first = false;
          minGallop = Math.max(1, minGallop - 1);
          winsA = gallopRight(temp, work[cursorB]!, cursorTemp, lengthA, 0);
          if (winsA > 0) {
            copy(temp, cursorTemp, work, dest, winsA);
            dest += winsA;
            cursorTemp += winsA;
            lengthA -= winsA;
            if (lengthA === 1) {
              copyB = true;
              break merge;
            }
            // Impossible with a consistent comparator; possible with any other.
            if (lengthA === 0) break merge;
          }
          work[dest++] = work[cursorB++]!;
          if (--lengthB === 0) break merge;
          winsB = gallopLeft(work, temp[cursorTemp]!, cursorB, lengthB, 0);
          if (winsB > 0) {
            copy(work, cursorB, work, dest, winsB);
            dest += winsB;
            cursorB += winsB;
            lengthB -= winsB;
            if (lengthB === 0) break merge;
          }
          work[dest++] = temp[cursorTemp++]!;
          if (--lengthA === 1) {
            copyB = true;
            break merge;
          }
        }
        minGallop++;
      }
    }
    if (copyB) {
      // The last element of run A belongs at the end of the merge.
      copy(work, cursorB, work, dest, lengthB);
      work[dest + lengthB] = temp[cursorTemp]!;
    } else if (lengthA > 0) {
      copy(temp, cursorTemp, work, dest, lengthA);
    }
  };

  const mergeHigh = (baseA: number, lengthAArg: number, baseB: number, lengthBArg: number): void => {
    let lengthA = lengthAArg;
    let lengthB = lengthBArg;
    const temp = work.slice(baseB, baseB + lengthB);
    let dest = baseB + lengthB - 1;
    let cursorTemp = lengthB - 1;
    let cursorA = baseA + lengthA - 1;
    work[dest--] = work[cursorA--]!;
    let copyA = false;
    merge: {
      if (--lengthA === 0) break merge;
      if (lengthB === 1) {
        copyA = true;
        break merge;
      }
      for (;;) {
        let winsA = 0;
        let winsB = 0;
        for (;;) {
          if (compare(temp[cursorTemp]!, work[cursorA]!) < 0) {
            work[dest--] = work[cursorA--]!;
            winsA++;
            lengthA--;
            winsB = 0;
            if (lengthA === 0) break merge;
            if (winsA >= minGallop) break;
          } else {
            work[dest--] = temp[cursorTemp--]!;
            winsB++;
            lengthB--;
            winsA = 0;
            if (lengthB === 1) {
              copyA = true;
              break merge;
            }
            if (winsB >= minGallop) break;
          }
        }
        minGallop++;
        let first = true;
        while (winsA >= MIN_GALLOP_WINS || winsB >= MIN_GALLOP_WINS || first) {
          first = false;
          minGallop = Math.max(1, minGallop - 1);
          winsA = lengthA - gallopRight(work, temp[cursorTemp]!, baseA, lengthA, lengthA - 1);
          if (winsA > 0) {
            dest -= winsA;
            cursorA -= winsA;
            copy(work, cursorA + 1, work, dest + 1, winsA);
            lengthA -= winsA;
            if (lengthA === 0) break merge;
          }
          work[dest--] = temp[cursorTemp--]!;
          if (--lengthB === 1) {
            copyA = true;
            break merge;
          }
          winsB = lengthB - gallopLeft(temp, work[cursorA]!, 0, lengthB, lengthB - 1);
          if (winsB > 0) {
            dest -= winsB;
            cursorTemp -= winsB;
            copy(temp, cursorTemp + 1, work, dest + 1, winsB);
            lengthB -= winsB;
            if (lengthB === 1) {
              copyA = true;
              break merge;
            }
            // Impossible with a consistent comparator; possible with any other.
            if (lengthB === 0) break merge;
          }
          work[dest--] = work[cursorA--]!;
          if (--lengthA === 0) break merge;
        }
        minGallop++;
      }
    }
    if (copyA) {
      // The first element of run B belongs at the front of the merge.
      dest -= lengthA;
      cursorA -= lengthA;
      copy(work, cursorA + 1, work, dest + 1, lengthA);
      work[dest] = temp[cursorTemp]!;
    } else if (lengthB > 0) {
      copy(temp, 0, work, dest - (lengthB - 1), lengthB);
    }
  };

  const mergeAt = (i: number): void => {
    let baseA = runBase[i]!;
    let lengthA = runLength[i]!;
    const baseB = runBase[i + 1]!;
    let lengthB = runLength[i + 1]!;
    runLength[i] = lengthA + lengthB;
    if (i === runBase.length - 3) {
      runBase[i + 1] = runBase[i + 2]!;
      runLength[i + 1] = runLength[i + 2]!;
    }
    runBase.pop();
    runLength.pop();
    const k = gallopRight(work, work[baseB]!, baseA, lengthA, 0);
    baseA += k;
    lengthA -= k;
    if (lengthA === 0) return;
    lengthB = gallopLeft(work, work[baseA + lengthA - 1]!, baseB, lengthB, lengthB - 1);
    if (lengthB === 0) return;
    if (lengthA <= lengthB) mergeLow(baseA, lengthA, baseB, lengthB);
    else mergeHigh(baseA, lengthA, baseB, lengthB);
  };

  const invariantHolds = (n: number): boolean => n < 2 || runLength[n - 2]! > runLength[n - 1]! + runLength[n]!;

  const mergeCollapse = (): void => {
    while (runBase.length > 1) {
      let n = runBase.length - 2;
      if (!invariantHolds(n + 1) || !invariantHolds(n)) {
        if (runLength[n - 1]! < runLength[n + 1]!) n--;
        mergeAt(n);
      } else if (runLength[n]! <= runLength[n + 1]!) {
        mergeAt(n);
      } else {
        break;
      }
    }
  };

  const mergeForceCollapse = (): void => {
    while (runBase.length > 1) {
      let n = runBase.length - 2;
      if (n > 0 && runLength[n - 1]! < runLength[n + 1]!) n--;
      mergeAt(n);
    }
  };

  let minRun = length;
  let r = 0;
  while (minRun >= 64) {
    r |= minRun & 1;
    minRun >>= 1;
  }
  minRun += r;
  let low = 0;
  let remaining = length;
  while (remaining !== 0) {
    let run = countAndMakeRun(low, low + remaining);
    if (run < minRun) {
      const forced = Math.min(minRun, remaining);
      binaryInsertionSort(low, low + run, low + forced);
      run = forced;
    }
    runBase.push(low);
    runLength.push(run);
    mergeCollapse();
    low += run;
    remaining -= run;
  }
  mergeForceCollapse();
}
