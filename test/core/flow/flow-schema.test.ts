import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFlowSchema } from '../../../src/core/flow/index.js';

const valid = {
  identifier: 'onboarding',
  name: 'Onboarding',
  description: 'first steps',
  steps: [
    { identifier: 'step-1', name: 'Welcome', properties: { title: 'Hi' }, action: { type: 'modal' } },
    { identifier: 'step-2' },
  ],
  transitions: [{ identifier: 'complete', from: 'step-1', to: 'step-2', condition: '${data.x} == 1' }],
};

describe('compileFlowSchema', () => {
  test('normalises a valid body: defaults for type, name, properties, action, condition', () => {
    const r = compileFlowSchema(valid);
    assert.ok(r.ok);
    assert.deepEqual(r.schema, {
      identifier: 'onboarding',
      name: 'Onboarding',
      description: 'first steps',
      steps: [
        { identifier: 'step-1', name: 'Welcome', properties: { title: 'Hi' }, action: { type: 'modal' } },
        { identifier: 'step-2', name: 'step-2', properties: {}, action: null },
      ],
      transitions: [{ identifier: 'complete', from: 'step-1', to: 'step-2', type: 'manual', condition: '${data.x} == 1' }],
    });
  });

  test('slugs are matched case-insensitively; several start steps and no transitions are fine', () => {
    const r = compileFlowSchema({ identifier: 'My_Flow-2', steps: [{ identifier: 'A' }, { identifier: 'b' }] });
    assert.ok(r.ok);
    assert.equal(r.schema.name, 'My_Flow-2');
    assert.equal(r.schema.description, '');
    assert.deepEqual(r.schema.transitions, []);
  });

  test('reports every error with a code and a path', () => {
    const r = compileFlowSchema({
      identifier: 'bad slug!',
      steps: [{ identifier: 'a' }, { identifier: 'a' }, { identifier: 'b--c' }, 'x'],
      transitions: [
        { identifier: 'go', from: 'a', to: 'nowhere' },
        { identifier: 'go', from: 'ghost', to: 'a', type: 'sometimes' },
        { identifier: 'check', from: 'a', to: 'a', condition: '(${data.x} == 1' },
        { identifier: 'check', from: 'a', to: 'b--c', condition: 'x and' },
        { from: 'a', to: 'a', condition: 5 },
      ],
    });
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.deepEqual(r.errors, [
      { code: 'invalid_slug', message: "flow identifier 'bad slug!' is not a slug (letters and digits, words joined by '-' or '_')", path: '/identifier' },
      { code: 'duplicate_step', message: "step identifier 'a' is used more than once", path: '/steps/1/identifier' },
      { code: 'invalid_slug', message: "step 2 identifier 'b--c' is not a slug (letters and digits, words joined by '-' or '_')", path: '/steps/2/identifier' },
      { code: 'invalid_value', message: 'step 3 must be an object', path: '/steps/3' },
      { code: 'unknown_step', message: "transition 'go' refers to unknown step 'nowhere' in 'to'", path: '/transitions/0/to' },
      { code: 'unknown_step', message: "transition 'go' refers to unknown step 'ghost' in 'from'", path: '/transitions/1/from' },
      { code: 'invalid_type', message: "transition 'go' type must be 'manual' or 'automatic'", path: '/transitions/1/type' },
      {
        code: 'invalid_condition',
        message: "transition 'check' condition does not parse: unbalanced parentheses: missing ')' for '(' at column 1, found end of condition",
        path: '/transitions/2/condition',
      },
      { code: 'invalid_condition', message: "transition 'check' condition does not parse: dangling operator 'and' at column 3", path: '/transitions/3/condition' },
      { code: 'required', message: 'transition 4 identifier must be a non-empty string', path: '/transitions/4/identifier' },
      { code: 'invalid_value', message: 'transition 4 condition must be a string', path: '/transitions/4/condition' },
      // 'a' and 'b--c' have incoming transitions (from 'ghost' and 'check')
      { code: 'no_start_step', message: 'no start step: every step has an incoming transition, so none can become active at start', path: '/transitions' },
    ]);
  });

  test('no start step when every step has an incoming transition', () => {
    const r = compileFlowSchema({
      identifier: 'loop',
      steps: [{ identifier: 'a' }, { identifier: 'b' }],
      transitions: [
        { identifier: 'next', from: 'a', to: 'b' },
        { identifier: 'back', from: 'b', to: 'a' },
      ],
    });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => e.code), ['no_start_step']);
  });

  test('missing or empty steps, duplicate transitions, non-object body', () => {
    const none = compileFlowSchema({ identifier: 'x', steps: [] });
    assert.ok(!none.ok);
    assert.deepEqual(none.errors, [{ code: 'required', message: 'steps must be a non-empty list', path: '/steps' }]);

    const dup = compileFlowSchema({
      identifier: 'x',
      steps: [{ identifier: 'a' }, { identifier: 'b' }],
      transitions: [
        { identifier: 't', from: 'a', to: 'b' },
        { identifier: 't', from: 'a', to: 'b', type: 'automatic' },
      ],
    });
    assert.ok(!dup.ok);
    assert.deepEqual(dup.errors.map((e) => [e.code, e.path]), [['duplicate_transition', '/transitions/1']]);

    const notObject = compileFlowSchema([]);
    assert.ok(!notObject.ok);
    assert.equal(notObject.errors[0]!.code, 'invalid_value');

    const missing = compileFlowSchema({});
    assert.ok(!missing.ok);
    assert.deepEqual(missing.errors.map((e) => e.path), ['/identifier', '/steps']);
  });
});
