import { describe, expect, it } from 'vitest';
import { addressSchema, hostInput, isIPv6 } from '.';

describe('addresses', () => {
  it('accepts real IPv6 forms and refuses colon soup', () => {
    for (const ok of [
      '::1',
      '::',
      'fe80::1',
      '2001:db8::8a2e:370:7334',
      '1:2:3:4:5:6:7:8',
      '::ffff:10.0.0.1',
      '64:ff9b::192.0.2.33',
      '1::',
    ])
      expect(isIPv6(ok), ok).toBe(true);
    for (const bad of [
      ':::::::',
      ':::',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '::1.2.3',
      '::1.2.3.4.5',
      '1:2:3:4:5:6:7::8:9',
      '.',
      ':',
    ])
      expect(isIPv6(bad), bad).toBe(false);
    expect(addressSchema.safeParse(':::::::').success).toBe(false);
    expect(addressSchema.safeParse('::1').success).toBe(true);
    expect(addressSchema.safeParse('gpu1.lan').success).toBe(true);
    expect(addressSchema.safeParse('10.0.0.300').success).toBe(false);
  });
});

describe('host notes', () => {
  const host = (notes: string) =>
    hostInput.safeParse({ name: 'h', address: '10.0.0.1', user: 'root', authMethod: 'agent', notes });
  it('keeps lines and tabs, refuses terminal escapes, NUL and bidi overrides', () => {
    expect(host('rack 2\n\tshelf 3\r\nGPU: 2× A6000 👩‍💻').success).toBe(true);
    for (const bad of ['\u001b[31mred', 'nul\u0000', 'bell\u0007', 'rtl\u202eevil', 'del\u007f', 'c1\u0085'])
      expect(host(bad).success, JSON.stringify(bad)).toBe(false);
  });
});
