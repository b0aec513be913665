/**
 * What the example scenarios say about hazards is what the checkers find.
 *
 * Every claim of src/playground/view/hazardExamples.ts is run: the scenario with exactly the claim's
 * hazards on fails exactly the claim's invariants, no other. And every description is read, sentence by
 * sentence, with one convention (the one the descriptions are written in):
 *
 * - a sentence that names hazards (their codes, `H4`), or says that invariants FAIL (in capitals) or that
 *   "no invariant fails", is a claim;
 * - its run is the file's own hazards plus the hazards it names, or minus them if it says "off";
 * - the invariants it names (`I3`) are exactly those that fail in that run, and naming none says none does.
 *
 * Each such sentence must match a claim of the list, and each claim must be stated by a sentence of its
 * scenario's description. So a description cannot promise a failure (or a pass) that the run does not
 * show, and a change that makes a hazard break something else shows up here as a wrong sentence.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { HAZARDS, type HazardCode } from '../../src/core/hazards';
import { exampleOf, HAZARD_CLAIMS, type HazardClaim } from '../../src/playground/view/hazardExamples';
import { parseScenarioJson } from '../../src/scenario/schema';
import type { Scenario } from '../../src/scenario/types';
import { runScenario } from '../../src/sim/runScenario';
import { checkAll, type InvariantId } from '../../src/verify/checkers';

const CODES = Object.values(HAZARDS).map((hazard) => hazard.code as HazardCode);
const CODE_ORDER = new Map(CODES.map((code, index) => [code, index]));

function load(stem: string): Scenario {
  const path = `scenarios/${stem}.json`;
  return parseScenarioJson(readFileSync(path, 'utf8'), path);
}

/** The file's own hazards as codes (files may name them by name or by code). */
function ownHazards(scenario: Scenario): HazardCode[] {
  return (scenario.hazards ?? []).map((key) =>
    key in HAZARDS ? HAZARDS[key as keyof typeof HAZARDS].code : (key as HazardCode),
  );
}

function sorted(codes: Iterable<HazardCode>): HazardCode[] {
  return [...new Set(codes)].sort((a, b) => CODE_ORDER.get(a)! - CODE_ORDER.get(b)!);
}

function withHazards(scenario: Scenario, codes: readonly HazardCode[]): Scenario {
  const copy = structuredClone(scenario);
  if (codes.length > 0) copy.hazards = [...codes];
  else delete copy.hazards;
  return copy;
}

/** A description cut into sentences: a stop followed by a space and a capital (or a quote or a digit). */
function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z"(0-9])/).filter((sentence) => sentence.trim() !== '');
}

interface StatedClaim {
  sentence: string;
  hazards: HazardCode[];
  breaks: InvariantId[];
}

/** The claims a description states, by the convention of this file's header. */
function statedClaims(scenario: Scenario): StatedClaim[] {
  const own = ownHazards(scenario);
  const stated: StatedClaim[] = [];
  for (const sentence of sentences(scenario.description ?? '')) {
    const named = sorted(
      [...sentence.matchAll(/\bH(\d{1,2})\b/g)]
        .map((match) => `H${match[1]}` as HazardCode)
        .filter((code) => CODE_ORDER.has(code)),
    );
    const says = /\bFAILS?\b/.test(sentence) || /\bno invariant fails\b/.test(sentence);
    if (named.length === 0 && !says) continue;
    const off = /\boff\b/.test(sentence);
    const hazards = off ? own.filter((code) => !named.includes(code)) : sorted([...own, ...named]);
    const breaks = [
      ...new Set([...sentence.matchAll(/\bI([1-8])\b/g)].map((m) => `I${m[1]}` as InvariantId)),
    ].sort();
    stated.push({ sentence, hazards, breaks });
  }
  return stated;
}

const key = (claim: Pick<HazardClaim, 'scenario' | 'hazards'>) =>
  `${claim.scenario} [${claim.hazards.join(',')}]`;

describe('the example scenarios say what breaks', () => {
  test('every hazard H1-H14 has an example that shows it on its own', () => {
    for (const code of [...CODES, 'H14' as const]) {
      const example = exampleOf(code);
      expect(example, `no example scenario shows ${code} on its own`).toBeDefined();
      expect(() => load(example!.scenario)).not.toThrow();
    }
  });

  test('each claim is stated by one sentence of its description, and each sentence by a claim', () => {
    const stems = new Set(HAZARD_CLAIMS.map((claim) => claim.scenario));
    for (const stem of stems) {
      const scenario = load(stem);
      const claims = HAZARD_CLAIMS.filter((claim) => claim.scenario === stem);
      const stated = statedClaims(scenario);
      for (const sentence of stated) {
        const claim = claims.find((c) => key(c) === key({ scenario: stem, hazards: sentence.hazards }));
        expect(claim, `${stem}: no claim for the sentence "${sentence.sentence}"`).toBeDefined();
        expect(sentence.breaks, `${stem}: "${sentence.sentence}" names the wrong invariants`).toEqual([
          ...claim!.breaks,
        ]);
      }
      for (const claim of claims) {
        // A file's own run needs no sentence when nothing breaks: "watch it work" is the story itself.
        const isOwnQuietRun =
          claim.breaks.length === 0 && key(claim) === key({ scenario: stem, hazards: ownHazards(scenario) });
        if (isOwnQuietRun) continue;
        const sayers = stated.filter(
          (sentence) => key({ scenario: stem, hazards: sentence.hazards }) === key(claim),
        );
        expect(sayers.length, `${key(claim)}: its description states this claim ${sayers.length} times`).toBe(
          1,
        );
      }
    }
  });

  test('no other scenario file talks about hazards without claims', () => {
    const stems = new Set(HAZARD_CLAIMS.map((claim) => claim.scenario));
    for (const stem of listStems()) {
      if (stems.has(stem)) continue;
      expect(
        statedClaims(load(stem)),
        `scenarios/${stem}.json names hazards or failures but has no claims`,
      ).toEqual([]);
    }
  });

  describe.each(HAZARD_CLAIMS.map((claim) => [key(claim), claim] as const))('%s', (_, claim) => {
    test(`fails exactly ${claim.breaks.join(', ') || 'nothing'}`, async () => {
      const result = await runScenario(withHazards(load(claim.scenario), claim.hazards));
      const reports = checkAll(result);
      const failing = reports.filter((report) => !report.ok);
      const why = failing.map((report) => `${report.id}: ${report.violation?.message ?? ''}`).join('\n');
      expect(
        failing.map((report) => report.id),
        why,
      ).toEqual([...claim.breaks]);
    }, 60_000);
  });
});

/** The example files of `scenarios/`, as stems. */
function listStems(): string[] {
  return readdirSync('scenarios')
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''));
}
