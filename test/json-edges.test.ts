import { describe, it, expect } from 'vitest';
import { isResponse, readHead, readTail, type EdgeInfo } from '../src/wire/json-edges.js';

interface Case {
  readonly name: string;
  readonly text: string;
  readonly keys: readonly string[];
  readonly id?: string | number;
}

const headCases: readonly Case[] = [
  {
    name: 'reads the members up to the first object value, with a numeric id',
    text: '{"jsonrpc":"2.0","id":12,"result":{"a":1,"b":',
    keys: ['jsonrpc', 'id', 'result'],
    id: 12,
  },
  {
    name: 'stops at an array value',
    text: '{"id":"r1","error":["x"',
    keys: ['id', 'error'],
    id: 'r1',
  },
  {
    name: 'skips spaces, tabs and carriage returns around the tokens',
    text: ' \t\r{ "id" :\t"abc" ,\r"result" : [',
    keys: ['id', 'result'],
    id: 'abc',
  },
  {
    name: 'reads keys in any order, the id after the result',
    text: '{"result":5,"id":"late","x":{',
    keys: ['result', 'id', 'x'],
    id: 'late',
  },
  {
    name: 'reads numbers with sign, fraction and exponent',
    text: '{"id":-1.5e+3,"result":{',
    keys: ['id', 'result'],
    id: -1500,
  },
  {
    name: 'reads strings with escaped quotes in keys and values',
    text: '{"a\\"b":"c\\"d","id":"e\\\\","result":[',
    keys: ['a"b', 'id', 'result'],
    id: 'e\\',
  },
  {
    name: 'keeps the first of duplicate ids',
    text: '{"id":1,"id":2,"result":null}',
    keys: ['id', 'id', 'result'],
    id: 1,
  },
  {
    name: 'gives no id for a null id',
    text: '{"id":null,"result":true}',
    keys: ['id', 'result'],
  },
  {
    name: 'gives no id for a boolean id',
    text: '{"id":true,"result":{',
    keys: ['id', 'result'],
  },
  {
    name: 'does not read a number that reaches the end of the bytes (it may be cut short)',
    text: '{"jsonrpc":"2.0","id":12',
    keys: ['jsonrpc', 'id'],
  },
  {
    name: 'stops when the bytes end after a colon',
    text: '{"id":',
    keys: ['id'],
  },
  {
    name: 'stops at a string cut short',
    text: '{"id":"abc',
    keys: ['id'],
  },
  {
    name: 'stops at a string cut short inside an escape',
    text: '{"id":"ab\\',
    keys: ['id'],
  },
  {
    name: 'stops at a value that starts with no token',
    text: '{"id":,5,"result":1}',
    keys: ['id'],
  },
  {
    name: 'stops at a token that is not JSON',
    text: '{"a":1x,"id":2,"result":3}',
    keys: ['a'],
  },
  {
    name: 'stops at a string that is not JSON',
    text: '{"a":"\\q","id":2,"result":3}',
    keys: ['a'],
  },
  {
    name: 'stops at a key with no colon after it',
    text: '{"a","b":1,"id":2}',
    keys: [],
  },
  {
    name: 'stops at a member followed by something other than a comma',
    text: '{"a":"x";"b":1,"id":2}',
    keys: ['a'],
  },
  { name: 'reads no keys from an empty object', text: '{}', keys: [] },
  { name: 'reads no keys from an object with a non-string key', text: '{1:2}', keys: [] },
  {
    name: 'reads nothing from bytes not starting with an object',
    text: 'x"id":7,"result":1}',
    keys: [],
  },
  { name: 'reads nothing from an array', text: '["id",1]', keys: [] },
  { name: 'reads nothing from no bytes', text: '', keys: [] },
];

const tailCases: readonly Case[] = [
  {
    name: 'reads the members back to the first object value, with a numeric id',
    text: '"result":{"a":1},"jsonrpc":"2.0","id":42}',
    keys: ['id', 'jsonrpc'],
    id: 42,
  },
  {
    name: 'stops at an array value',
    text: '"error":[1,2],"id":"r1"}',
    keys: ['id'],
    id: 'r1',
  },
  {
    name: 'skips spaces, tabs and carriage returns around the tokens',
    text: '"a" : 1 ,\t"id" :\t"x" \r}\t \r',
    keys: ['id', 'a'],
    id: 'x',
  },
  {
    name: 'reads keys in any order, the id before the result',
    text: '{"jsonrpc":"2.0","id":-7,"result":true}',
    keys: ['result', 'id', 'jsonrpc'],
    id: -7,
  },
  {
    name: 'reads a key whose opening quote is the first byte',
    text: '"id":7}',
    keys: ['id'],
    id: 7,
  },
  {
    name: 'reads strings with escaped quotes and backslashes',
    text: '{"k\\"":"a\\"b","id":"c\\\\"}',
    keys: ['id', 'k"'],
    id: 'c\\',
  },
  {
    name: 'takes a quote after an escaped backslash as unescaped',
    text: '\\\\"id":1}',
    keys: ['id'],
    id: 1,
  },
  {
    name: 'takes a quote after a backslash at the first byte as escaped',
    text: '\\"id":1}',
    keys: [],
  },
  {
    name: 'keeps the last of duplicate ids (the first read back)',
    text: '"id":1,"id":2}',
    keys: ['id', 'id'],
    id: 2,
  },
  { name: 'gives no id for a null id', text: '"id":null}', keys: ['id'] },
  {
    name: 'does not read a token that reaches the start of the bytes (it may be cut short)',
    text: '1}',
    keys: [],
  },
  { name: 'stops at a string that is not JSON', text: '{"a":"\\q"}', keys: [] },
  { name: 'stops at a token that is not JSON', text: '{"a":1x}', keys: [] },
  { name: 'stops at a value with no colon before it', text: '{"a";1}', keys: [] },
  { name: 'stops at a value with no key before it', text: '{1:2}', keys: [] },
  { name: 'stops at a string value with no opening quote', text: 'a"}', keys: [] },
  { name: 'stops at a key with no opening quote', text: 'a":1}', keys: [] },
  { name: 'stops at a key that is not JSON', text: '{"a\\q":1}', keys: [] },
  {
    name: 'stops at a member preceded by something other than a comma',
    text: '{"a":1x"b":2}',
    keys: ['b'],
  },
  { name: 'reads nothing from bytes not ending with an object', text: '"id":1,"x":2]', keys: [] },
  { name: 'reads nothing from whitespace', text: ' \t', keys: [] },
  { name: 'reads nothing from no bytes', text: '', keys: [] },
];

describe('readHead', () => {
  it.each(headCases)('$name', ({ text, keys, id }) => {
    expect(readHead(text)).toStrictEqual({ keys, id });
  });
});

describe('readTail', () => {
  it.each(tailCases)('$name', ({ text, keys, id }) => {
    expect(readTail(text)).toStrictEqual({ keys, id });
  });
});

describe('isResponse', () => {
  const info = (...keys: string[]): EdgeInfo => ({ keys, id: 1 });
  const cases: readonly {
    readonly name: string;
    readonly head: EdgeInfo;
    readonly tail: EdgeInfo | undefined;
    readonly response: boolean;
  }[] = [
    { name: 'a head with result', head: info('id', 'result'), tail: undefined, response: true },
    { name: 'a head with error', head: info('id', 'error'), tail: undefined, response: true },
    { name: 'a head with neither', head: info('jsonrpc', 'id'), tail: undefined, response: false },
    { name: 'a result only in the tail', head: info('id'), tail: info('result'), response: true },
    { name: 'an error only in the tail', head: info('id'), tail: info('error'), response: true },
    { name: 'neither in head nor tail', head: info('id'), tail: info('params'), response: false },
    {
      name: 'a method in the head',
      head: info('method', 'id'),
      tail: info('result'),
      response: false,
    },
    {
      name: 'a method in the tail',
      head: info('id', 'result'),
      tail: info('method'),
      response: false,
    },
  ];
  it.each(cases)('tells $name', ({ head, tail, response }) => {
    expect(isResponse(head, tail)).toBe(response);
  });
});
