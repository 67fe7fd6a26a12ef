import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { EngineInputError } from '../../src/engine/errors.js';
import { guardResolvers } from '../../src/limits/guard-resolvers.js';
import { HeavyQueue } from '../../src/limits/heavy-queue.js';
import { TokenBuckets } from '../../src/limits/rate-limit.js';
import {
  RequestState,
  YIELD_EVERY_MS,
  checkBudget,
  runWithRequestState,
} from '../../src/limits/request-state.js';
import { testConfig } from '../helpers/db.js';

describe('engine input errors', () => {
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        bad: {
          type: GraphQLString,
          resolve: () => {
            throw new EngineInputError('count must be a whole number ≥ 0, got -1');
          },
        },
        bug: {
          type: GraphQLString,
          resolve: () => {
            throw new RangeError('Invalid array length');
          },
        },
      },
    }),
  });
  guardResolvers(schema);

  it('become BAD_USER_INPUT; a RangeError from a bug keeps no code (so it is masked as INTERNAL_SERVER_ERROR)', async () => {
    const r = await graphql({ schema, source: '{ bad bug }', contextValue: {} });
    const byPath = new Map(r.errors!.map((e) => [e.path![0], e]));
    expect(byPath.get('bad')!.extensions.code).toBe('BAD_USER_INPUT');
    expect(byPath.get('bad')!.message).toContain('count must be');
    expect(byPath.get('bug')!.extensions.code).toBeUndefined();
  });
});

describe('the time budget', () => {
  it('checkBudget() is a no-op outside a request and throws TIMEOUT inside one past its deadline', async () => {
    expect(() => checkBudget()).not.toThrow();
    const limits = { ...testConfig().limits, requestTimeoutMs: 20 };
    const state = new RequestState(limits, new HeavyQueue(1, 0));
    await runWithRequestState(state, async () => {
      expect(() => checkBudget()).not.toThrow();
      await new Promise((r) => setTimeout(r, 40));
      expect(() => checkBudget()).toThrow(/requestTimeoutMs/);
      expect(state.signal.aborted).toBe(true);
    });
    state.finish();
  });
});

describe("a light priced field's path (Settlement.access, read 500 times a page)", () => {
  const Settlement = new GraphQLObjectType({
    name: 'Settlement',
    fields: {
      access: {
        type: GraphQLString,
        resolve: (n: number) => {
          if (n === 2) throw new EngineInputError('no such type');
          return `a${n}`;
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: { page: { type: new GraphQLList(Settlement), resolve: () => [0, 1, 2, 3] } },
    }),
  });
  guardResolvers(schema);
  const snapshot = { settlements: [], openPoints: [], catalogue: [] };
  const access = Settlement.getFields().access!;

  it('answers without a promise once the snapshot is ready (and not before), with the same answers and errors', async () => {
    const state = new RequestState(testConfig().limits, new HeavyQueue(1, 0));
    const ready = { snapshot: async () => snapshot, readySnapshot: () => snapshot };
    const loading = { snapshot: async () => snapshot, readySnapshot: () => undefined };
    await runWithRequestState(state, async () => {
      state.yielded();
      const info = {} as Parameters<NonNullable<typeof access.resolve>>[3];
      expect(access.resolve!(1, {}, ready, info)).toBe('a1');
      const later = access.resolve!(1, {}, loading, info);
      expect(later).toBeInstanceOf(Promise);
      expect(await later).toBe('a1');
      for (const contextValue of [ready, loading]) {
        const r = await graphql({ schema, source: '{ page { access } }', contextValue });
        expect(r.data).toEqual({
          page: [{ access: 'a0' }, { access: 'a1' }, { access: null }, { access: 'a3' }],
        });
        expect(r.errors!.map((e) => [e.path, e.extensions.code])).toEqual([
          [['page', 2, 'access'], 'BAD_USER_INPUT'],
        ]);
      }
    });
    state.finish();
  });

  it('yields to the event loop once the request has run YIELD_EVERY_MS since its last yield', async () => {
    const state = new RequestState(testConfig().limits, new HeavyQueue(1, 0));
    state.yielded();
    expect(state.yieldDue()).toBe(false);
    await new Promise((r) => setTimeout(r, YIELD_EVERY_MS + 5));
    expect(state.yieldDue()).toBe(true);
    await runWithRequestState(state, async () => {
      const info = {} as Parameters<NonNullable<typeof access.resolve>>[3];
      const context = { snapshot: async () => snapshot, readySnapshot: () => snapshot };
      const due = access.resolve!(3, {}, context, info);
      expect(due).toBeInstanceOf(Promise);
      expect(await due).toBe('a3');
      expect(state.yieldDue()).toBe(false);
    });
    state.finish();
  });
});

describe('HeavyQueue', () => {
  it('runs `concurrency` at once, queues up to `maxWaiting`, refuses the rest with SERVER_BUSY, hands slots on in order', async () => {
    const q = new HeavyQueue(1, 1);
    const r1 = await q.acquire();
    const order: number[] = [];
    const p2 = q.acquire().then((r) => {
      order.push(2);
      return r;
    });
    await expect(q.acquire()).rejects.toMatchObject({
      extensions: { code: 'SERVER_BUSY', limit: 'heavyQueue', max: 1 },
    });
    expect(q.stats).toEqual({ running: 1, waiting: 1 });
    r1();
    const r2 = await p2;
    expect(order).toEqual([2]);
    r2();
    expect(q.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a waiter whose request is aborted', async () => {
    const q = new HeavyQueue(1, 5);
    const r1 = await q.acquire();
    const ac = new AbortController();
    const waiting = q.acquire(ac.signal);
    ac.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    expect(q.stats).toEqual({ running: 1, waiting: 0 });
    r1();
  });
});

describe('TokenBuckets', () => {
  it('allows the burst, then one request per 1/rate seconds', () => {
    let now = 0;
    const b = new TokenBuckets(2, 3, () => now);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBeCloseTo(0.5);
    expect(b.take('b')).toBe(0);
    now += 500;
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
  });
});

describe('no Math.min/Math.max over spread arrays in src/', () => {
  it('uses loops (spreading 100k+ values overflows the call stack)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const lines = readFileSync(path, 'utf8').split('\n');
          lines.forEach((line, i) => {
            if (/Math\.(min|max)\(\s*\.\.\./.test(line) && !line.trim().startsWith('//'))
              offenders.push(`${path}:${i + 1}`);
          });
        }
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    expect(offenders).toEqual([]);
  });
});
