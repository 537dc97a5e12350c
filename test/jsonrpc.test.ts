import { describe, expect, it } from 'vitest';
import { isErrorObject, isRequestId } from '../src/wire/jsonrpc.js';

describe('isRequestId', () => {
  it('takes a string or a finite number', () => {
    for (const id of ['', 'a', 0, -1, 1.5, Number.MAX_SAFE_INTEGER]) {
      expect(isRequestId(id), JSON.stringify(id)).toBe(true);
    }
  });

  it('refuses null, a number JSON cannot carry, and any other value', () => {
    const values = [null, undefined, NaN, Infinity, -Infinity, true, 1n, {}, [1], ['a']];
    for (const [index, value] of values.entries()) {
      expect(isRequestId(value), `values[${index}]`).toBe(false);
    }
  });
});

describe('isErrorObject', () => {
  it('takes an object with a finite code and a string message', () => {
    expect(isErrorObject({ code: -32601, message: 'nope' })).toBe(true);
    expect(isErrorObject({ code: 0, message: '', data: { any: 1 } })).toBe(true);
  });

  it('refuses a message that is not a string, a code that is not a finite number, and non-objects', () => {
    for (const value of [
      { code: 1, message: 2 },
      { code: 1 },
      { code: '1', message: 'm' },
      { code: NaN, message: 'm' },
      { message: 'm' },
      null,
      'error',
    ]) {
      expect(isErrorObject(value), JSON.stringify(value)).toBe(false);
    }
  });
});
