import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConditionError, checkCondition, evaluateCondition, objectResolver } from '../../../src/core/expr/index.js';
import { isWeftError } from '../../../src/core/errors.js';

const scope = {
  subject: { plan: 'pro', name: 'some dude', seats: 12, tags: ['a', 'b'], none: [], blank: '', nil: null },
  data: { x: 1, s: '10', flag: false, status: 'done' },
  input: { answer: 'yes' },
};
const resolve = objectResolver(scope);
const yes = (c: string) => assert.equal(evaluateCondition(c, resolve), true, `${c} should be true`);
const no = (c: string) => assert.equal(evaluateCondition(c, resolve), false, `${c} should be false`);

describe('bare values', () => {
  test('true unless empty, false, nil/null or the word false', () => {
    for (const c of ['true', 'something', 'blah blah blah', '1', '0', "'a'", '[]', '{}', 'false is set']) yes(c);
    for (const c of ['', ' ', 'false', 'nil', 'null', "''", '""', "'false'", '${data.flag}', '${data.nope}', '${subject.blank}']) no(c);
  });
});

describe('comparisons', () => {
  test('== and !=', () => {
    yes('a == a');
    yes('a==a');
    yes(' a  ==  a ');
    yes('"a" == \'a\'');
    yes("some dude == 'some dude'");
    yes('true == true');
    yes('true != false');
    yes('nil == nil');
    yes('1 != nil');
    no('true == false');
    no("'true' == 'false'");
    no('true != true');
    no('1 == nil');
    no("some other dude == 'some dude'");
  });
  test('numbers compare as numbers, strings as strings', () => {
    yes('100 > 90');
    yes('100.0 > 90');
    yes('2.310000 > 0');
    yes('10 >= 10');
    yes('-1 < 0');
    yes('1 == 1.0');
    no('2.310000 < 0');
    yes('b > a');
    no('a > b');
    yes('a <= a');
    // quoted means text: "10" < "9" in code-point order
    no("'10' > 9");
    yes("'10' < '9'");
    // a number and a text compare as text
    yes("1 == '1'");
  });
  test('=~ matches /re/ or a bare pattern', () => {
    yes('alpha =~ al');
    no('alpha =~ bravo');
    yes('alpha =~ /^a/');
    yes("'alpha toto' =~ /^a/");
    no('alpha =~ /^b/');
    yes('ALPHA =~ /^a/i');
    yes('${subject.plan} =~ ^p');
    // a /regex/ is read only after =~; elsewhere it is a word
    no('a == /x/');
    yes('/x/ == /x/');
    yes('Loan/Grant == Loan/Grant');
  });
  test('a side left empty by substitution makes the comparison false (!= true)', () => {
    no('${data.nope} == a');
    no('a == ${data.nope}');
    no('${data.nope} == ${data.nada}');
    no("${data.nope} == ''");
    no('${data.nope} > 1');
    yes('${data.nope} != done');
    no('${data.nope} != ${data.nada}');
    no('a =~ ${data.nope}');
  });
});

describe('substituted conditions', () => {
  test('fields, numbers and quoting', () => {
    yes('${data.x} == 1');
    no('${data.x} == 2');
    yes('${subject.seats} > 9');
    yes('${subject.plan} == pro and ${input.answer} == yes');
    yes('${subject.name} == some dude');
    yes('${"subject.name} == "some dude"');
    yes("${data.status} in [done, cancelled]");
  });
});

describe('and, or, not, parentheses', () => {
  test('and / && / or / ||', () => {
    yes('1 and 2 and 3');
    yes('1 && 2 && 3');
    yes('1 or 2 or 3');
    yes('1 || 2 || 3');
    yes('true or false');
    no('false or false');
    no('true and false');
    no('false && true');
    yes('false || true');
  });
  test('and binds tighter than or', () => {
    yes('true or false and false');
    yes('false and false or true');
    no('(true or false) and false');
    no('false and (false or true)');
  });
  test('parentheses', () => {
    yes('true and (true or false)');
    no('true and (true and false)');
    yes("'a' and ('b' and 'c')");
    yes('((a == a))');
    yes('not (a == b)');
  });
  test('not and !', () => {
    yes('not false');
    no('not true');
    yes('! false');
    no(' ! true');
    yes('!false');
    yes('not not true');
    yes('not a == b or false');
    no('not ${subject.plan} == pro');
  });
});

describe('is set / empty / null / in', () => {
  test('set', () => {
    yes('true set');
    yes("'true' set");
    yes('true is set');
    yes('"true" is set');
    no('true is not set');
    yes('${subject.plan} is set');
    no('${subject.missing} is set');
    no('${subject.blank} is set');
    yes('${subject.missing} is not set');
    no(' is set');
  });
  test('empty', () => {
    for (const c of ["'' empty", "'' is empty", '"" is empty', '[] is empty', '{} is empty', '${subject.none} is empty', '${subject.missing} is empty']) yes(c);
    for (const c of ['[1] is empty', '{1=>2} is empty', '${subject.tags} is empty', "'' is not empty", '[] is not empty']) no(c);
    yes('[1] is not empty');
    yes('{"a": 1} is not empty');
  });
  test('null', () => {
    yes('nil null');
    yes('nil is null');
    no('nil is not null');
    no('1 is null');
    yes('1 is not null');
    yes('${subject.nil} is null');
    yes('${subject.missing} is null');
    no("'' is null");
  });
  test('in / not in', () => {
    yes('1 in [1, 2]');
    yes('1 in {1 => 2}');
    yes('a in {"a": 1}');
    no('3 in [1, 2]');
    no('2 in {1 => 2}');
    yes('a in [a, b]');
    yes("'a' in [a, b]");
    yes('a is in ${subject.tags}');
    yes('c is not in ${subject.tags}');
    yes('7 not in [1, 2]');
    yes('2 not in {1 => 2}');
    no('1 not in [1, 2]');
    no('1 is not in {1 => 2}');
    no('1 in [1 2]');
    no('1 in {x}');
    no('a in ${subject.plan}');
  });
});

describe('failures', () => {
  const fails = (c: string, reason: string) => {
    assert.throws(
      () => evaluateCondition(c, resolve),
      (e: unknown) => {
        assert.ok(isWeftError(e));
        assert.equal(e.code, 'WEFT_CONDITION_INVALID');
        assert.equal(e.code, ConditionError.code);
        assert.equal(e.status, 400);
        assert.equal(e.message, `cannot evaluate condition ${JSON.stringify(c)}: ${reason}`);
        return true;
      },
    );
  };
  test('unbalanced parentheses', () => {
    fails('(a == a', "unbalanced parentheses: missing ')' for '(' at column 1, found end of condition");
    fails('a == a)', "unbalanced parentheses: unexpected ')' at column 7");
    fails('((true) or false', "unbalanced parentheses: missing ')' for '(' at column 1, found end of condition");
    fails('()', 'empty parentheses at column 1');
  });
  test('dangling operators', () => {
    fails('a and', "dangling operator 'and' at column 3");
    fails('a ||', "dangling operator '||' at column 3");
    fails('or b', "missing value before 'or' at column 1");
    fails('not', "dangling operator 'not' at column 1");
    fails('a == b == c', "unexpected '==' at column 8");
  });
  test('other errors', () => {
    fails('a is b', "expected 'set', 'empty', 'null' or 'in' after 'is' at column 3, found 'b' at column 6");
    fails("a == 'b", 'unterminated string starting at column 6');
    fails('a =~ /(/', 'invalid regular expression /(/: Invalid regular expression: /(/: Unterminated group');
    fails('1 in [1,', "missing list item at end of condition");
    fails('a in and b', "expected a list after 'in' at column 3");
  });
  test('the message names the text as written, not substituted values', () => {
    assert.throws(() => evaluateCondition('${subject.plan} and', resolve), {
      message: `cannot evaluate condition "\${subject.plan} and": dangling operator 'and' at column 17`,
    });
  });
  test('a failure caused by substituted values says so', () => {
    const r = objectResolver({ data: { v: 'a and' } });
    assert.throws(() => evaluateCondition('${data.v}', r), {
      message: `cannot evaluate condition "\${data.v}": dangling operator 'and' at column 3 (after substitution)`,
    });
  });
  test('&lt; &gt; &amp; from XML definitions are unescaped', () => {
    yes('1 &lt; 2 &amp;&amp; 3 &gt; 2');
  });
});

describe('checkCondition', () => {
  test('null when the written text parses; references are opaque', () => {
    for (const c of ['${data.x} == 1', '${a} is set', '${f:list} is in [a, b]', 'a in ${f:list}', '(${x} or ${y}) and not ${z}', '${x} =~ /^a(b|c)$/', '']) {
      assert.equal(checkCondition(c), null, c);
    }
  });
  test('an empty side written in the definition is an error', () => {
    assert.equal(checkCondition('a =='), "dangling operator '==' at column 3");
    assert.equal(checkCondition('== a'), "dangling operator '==' at column 1");
    assert.equal(checkCondition('is set'), "missing value before 'is' at column 1");
    assert.equal(checkCondition('${x} in'), "expected a list after 'in' at column 6");
    assert.equal(checkCondition('${data.long.path} =='), "dangling operator '==' at column 19");
  });
  test('parse errors', () => {
    assert.equal(checkCondition('(${x} == 1'), "unbalanced parentheses: missing ')' for '(' at column 1, found end of condition");
    assert.equal(checkCondition('${x} and'), "dangling operator 'and' at column 6");
    assert.equal(checkCondition('${x} == 1)'), "unbalanced parentheses: unexpected ')' at column 10");
  });
});

describe('nesting', () => {
  test('parentheses, lists, objects and nots nest up to 100 levels; deeper is a syntax error, not a stack overflow', () => {
    yes(`${'('.repeat(100)}1 == 1${')'.repeat(100)}`);
    for (const c of [`${'('.repeat(5000)}a${')'.repeat(5000)}`, `${'not '.repeat(5000)}a`, `a is in ${'['.repeat(3000)}${']'.repeat(3000)}`, `${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`]) {
      assert.equal(checkCondition(c), 'nested deeper than 100 levels', c.slice(0, 20));
      assert.throws(() => evaluateCondition(c, resolve), (e: unknown) => isWeftError(e) && e.code === ConditionError.code && /nested deeper than 100 levels/.test(e.message));
    }
  });
});

describe('user regular expressions', () => {
  test('backreferences and lookarounds are refused (only the backtracking engine runs them, for as long as they take)', () => {
    for (const c of ['a =~ /^(a+)+\\1$/', 'a =~ /(?<x>a)\\k<x>/', 'a =~ /a(?=b)/', 'a =~ /(?<!b)a/']) {
      assert.match(checkCondition(c) ?? '', /backreferences and lookarounds are not accepted/, c);
      assert.throws(() => evaluateCondition(c, resolve), (e: unknown) => isWeftError(e) && e.code === ConditionError.code, c);
    }
    yes('aaa =~ /^(a+)+$/');
  });
});
