import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { findLesson, glossaryMarks, parseLessonJson, textSegments } from '../../src/lessons';
import { parseScenario, ScenarioError } from '../../src/scenario/schema';
import { Learner, lessonByNumber, lessonFiles, type Move } from './player';

const lessons = lessonFiles();

/** The right moves for each step of each lesson, as a learner would make them on the page. */
const RIGHT: Record<number, Move[][]> = {
  1: [[{ play: 100 }], [], []],
  2: [
    [{ play: 100 }],
    [{ answer: 17 }, { act: 'crash', role: 'leader' }],
    [{ act: 'restart', role: 'last' }],
  ],
  3: [
    [{ untilLeader: true }, { act: 'stop', role: 'leader' }],
    [{ hazards: ['H1'] }, { untilLeader: true }, { act: 'stop', role: 'leader' }],
  ],
  4: [[{ untilLeader: true }, { act: 'pause', role: 'leader' }], [{ act: 'resume', role: 'last' }]],
  5: [
    [{ untilLeader: true }, { act: 'crash', role: 'leader' }],
    [{ hazards: ['H2'] }, { untilLeader: true }, { play: 10_000 }, { act: 'crash', role: 'leader' }],
  ],
  6: [[], [{ answer: 1 }, { act: 'crash', role: 'leader' }]],
  7: [[{ play: 4_000 }], [{ play: 1_000 }, { act: 'crash', role: 'busy' }]],
  8: [
    [
      { untilLeader: true },
      { act: 'pause', role: 'leader' },
      { play: 25_000 },
      { act: 'resume', role: 'last' },
    ],
    [
      { hazards: [] },
      { untilLeader: true },
      { act: 'pause', role: 'leader' },
      { play: 25_000 },
      { act: 'resume', role: 'last' },
    ],
  ],
};

/** A wrong move for one step of each lesson, and words its explanation must use. */
const WRONG: { lesson: number; step: number; before: Move[][]; moves: Move[]; says: RegExp }[] = [
  {
    lesson: 1,
    step: 1,
    before: [[{ play: 100 }]],
    moves: [{ act: 'crash', role: 'leader' }],
    says: /Not yet/,
  },
  {
    lesson: 2,
    step: 1,
    before: [[{ play: 100 }]],
    moves: [{ answer: 17 }, { act: 'crash', role: 'follower' }],
    says: /follower/,
  },
  {
    lesson: 2,
    step: 1,
    before: [[{ play: 100 }]],
    moves: [{ act: 'crash', role: 'leader' }],
    says: /Predict first/,
  },
  {
    lesson: 3,
    step: 0,
    before: [],
    moves: [{ untilLeader: true }, { act: 'crash', role: 'leader' }],
    says: /crash: nobody released/,
  },
  {
    lesson: 3,
    step: 1,
    before: [[{ untilLeader: true }, { act: 'stop', role: 'leader' }]],
    moves: [{ untilLeader: true }, { act: 'stop', role: 'leader' }],
    says: /H1 is off/,
  },
  {
    lesson: 4,
    step: 0,
    before: [],
    moves: [{ untilLeader: true }, { act: 'pause', role: 'follower' }],
    says: /follower/,
  },
  {
    lesson: 5,
    step: 1,
    before: [[{ untilLeader: true }, { act: 'crash', role: 'leader' }]],
    moves: [{ untilLeader: true }, { act: 'crash', role: 'leader' }],
    says: /H2 is off/,
  },
  {
    lesson: 6,
    step: 1,
    before: [[]],
    moves: [{ answer: 0 }, { act: 'crash', role: 'follower' }],
    says: /follower/,
  },
  {
    lesson: 7,
    step: 1,
    before: [[{ play: 4_000 }]],
    moves: [{ act: 'crash', role: 'idle' }],
    says: /running nothing/,
  },
  {
    lesson: 8,
    step: 0,
    before: [],
    moves: [{ hazards: ['H5'] }, { untilLeader: true }, { act: 'pause', role: 'leader' }],
    says: /switched H4 off/,
  },
  {
    lesson: 8,
    step: 1,
    before: [
      [
        { untilLeader: true },
        { act: 'pause', role: 'leader' },
        { play: 25_000 },
        { act: 'resume', role: 'last' },
      ],
    ],
    moves: [
      { untilLeader: true },
      { act: 'pause', role: 'leader' },
      { play: 25_000 },
      { act: 'resume', role: 'last' },
    ],
    says: /H4 is still on/,
  },
];

async function playRight(learner: Learner, steps: Move[][]): Promise<void> {
  for (const [index, moves] of steps.entries()) {
    for (const move of moves) await learner.make(move);
    const result = await learner.playUntilJudged();
    expect(result, `lesson ${learner.file.lesson.number} step ${index + 1}`).toMatchObject({
      status: 'done',
    });
    expect(result.met.every(Boolean)).toBe(true);
    if (index < steps.length - 1) await learner.next();
  }
}

describe('the lesson files', () => {
  test('there are at least eight, numbered 1 to n, each id and number unique', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(8);
    expect(lessons.map((entry) => entry.lesson.number)).toEqual(lessons.map((_, index) => index + 1));
    expect(new Set(lessons.map((entry) => entry.lesson.id)).size).toBe(lessons.length);
  });

  test.each(lessons.map((entry) => [entry.source, entry] as const))(
    '%s parses as a scenario, without its lesson part for the engine',
    (_source, entry) => {
      expect(entry.scenario).not.toHaveProperty('lesson');
      expect(() => parseScenario(entry.scenario)).not.toThrow();
      expect(entry.lesson.steps.length).toBeGreaterThanOrEqual(2);
    },
  );

  test('the glossary words the issue names are each linked from some lesson, and every mark names one', () => {
    const used = new Set(
      lessons.flatMap((entry) => entry.lesson.steps.flatMap((step) => glossaryMarks(step.text).terms)),
    );
    for (const word of ['lease', 'heartbeat', 'term', 'fencing', 'claim', 'misfire'])
      expect(used).toContain(word);
    expect(textSegments('two [[claims|claim]] and a [[lease]].')).toEqual([
      { text: 'two ' },
      { text: 'claims', term: 'claim' },
      { text: ' and a ' },
      { text: 'lease', term: 'lease' },
      { text: '.' },
    ]);
    // An unmarked use links too, the first of each word only; a word marked elsewhere in the text is not linked again.
    expect(textSegments('Old leases get fenced; a lease is a [[lease]].')).toEqual([
      { text: 'Old leases get ' },
      { text: 'fenced', term: 'fencing' },
      { text: '; a lease is a ' },
      { text: 'lease', term: 'lease' },
      { text: '.' },
    ]);
    expect(textSegments('Two Claims, a claim, a term.')).toEqual([
      { text: 'Two ' },
      { text: 'Claims', term: 'claim' },
      { text: ', a claim, a ' },
      { text: 'term', term: 'term' },
      { text: '.' },
    ]);
  });

  test('a bad lesson part is refused naming the field; a mark naming no glossary word is refused', () => {
    const text = readFileSync(new URL('../../lessons/1-heartbeat-lease.json', import.meta.url), 'utf8');
    const bad = JSON.parse(text);
    bad.lesson.steps[0].check[0] = { took: 'explode' };
    expect(() => parseLessonJson(JSON.stringify(bad), 'bad.json')).toThrow(ScenarioError);
    expect(() => parseLessonJson(JSON.stringify(bad), 'bad.json')).toThrow(/lesson\.steps\[0\]\.check\[0\]/);
    const unknown = JSON.parse(text);
    unknown.lesson.steps[0].text = 'a [[quorum]]';
    expect(() => parseLessonJson(JSON.stringify(unknown), 'bad.json')).toThrow(
      /"quorum" is no glossary word/,
    );
  });

  test('?lesson= finds a lesson by number or id, and nothing else', () => {
    expect(findLesson(lessons, '2')?.lesson.id).toBe('crash-the-leader');
    expect(findLesson(lessons, 'Paused-Leader')?.lesson.number).toBe(4);
    expect(findLesson(lessons, '99')).toBeUndefined();
  });

  test('a scenario without a lesson part parses as before', () => {
    const text = readFileSync(new URL('../../scenarios/leader-crash-failover.json', import.meta.url), 'utf8');
    expect(parseScenario(JSON.parse(text))).not.toHaveProperty('lesson');
  });
});

describe('each lesson played by a learner, judged by the session’s invariants', () => {
  test.each(Object.keys(RIGHT).map(Number))(
    'lesson %i: the right moves pass every check',
    async (n) => {
      const learner = await Learner.open(lessonByNumber(n));
      try {
        expect(learner.judge().status).toBe('waiting');
        await playRight(learner, RIGHT[n]!);
      } finally {
        learner.dispose();
      }
    },
    120_000,
  );

  test.each(WRONG.map((wrong) => [wrong.lesson, wrong.step + 1, wrong] as const))(
    'lesson %i step %i: a wrong move is refused and explained',
    async (_n, _step, wrong) => {
      const learner = await Learner.open(lessonByNumber(wrong.lesson));
      try {
        await playRight(learner, wrong.before);
        if (wrong.before.length > 0) await learner.next();
        for (const move of wrong.moves) await learner.make(move);
        const result = await learner.playUntilJudged(40_000);
        expect(result.status).toBe('wrong');
        expect(result.explain).toMatch(wrong.says);
      } finally {
        learner.dispose();
      }
    },
    120_000,
  );

  test('lesson 2: the prediction is judged against the failover the checker measured', async () => {
    for (const [answer, right] of [
      [17, true],
      [3, false],
    ] as const) {
      const learner = await Learner.open(lessonByNumber(2));
      try {
        await playRight(learner, [[{ play: 100 }], [{ answer }, { act: 'crash', role: 'leader' }]]);
        const result = learner.judge();
        const i5 = learner.view().invariants.find((invariant) => invariant.id === 'I5');
        const measured = (i5?.measurements?.failoverMs as number[]).at(-1)!;
        expect(measured).toBeGreaterThan(14_000);
        expect(measured).toBeLessThanOrEqual(20_050);
        expect(result.verdict?.right).toBe(right);
        expect(result.verdict?.text).toContain(`measured ${(measured / 1000).toFixed(1)} s`);
      } finally {
        learner.dispose();
      }
    }
  }, 120_000);
});
