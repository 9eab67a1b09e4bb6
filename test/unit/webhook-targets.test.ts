// Which addresses a webhook may not reach without the operator's leave (domain/webhooks/targets.ts): private,
// loopback, link-local and special ranges, including the IPv6 forms that embed or tunnel to an IPv4 address.
import { isPrivateAddress } from '../../domain/webhooks/targets';

test.each([
  '10.0.0.1',
  '127.0.0.1',
  '169.254.169.254',
  '192.168.1.10',
  '100.64.0.1',
  '::1',
  '::',
  '::ffff:10.0.0.1',
  '::7f00:1', // IPv4-compatible 127.0.0.1
  'fe80::1',
  'fd00::1',
  'fec0::1', // site-local
  '64:ff9b::a00:1', // NAT64 of 10.0.0.1
  '64:ff9b:1::a00:1', // local-use NAT64
  '2002:a00:1::1', // 6to4 of 10.0.0.1
  '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
  '2001:db8::1',
  '3fff::1',
  'not an address',
])('%s is refused', (address) => expect(isPrivateAddress(address)).toBe(true));

test.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])(
  '%s is public',
  (address) => expect(isPrivateAddress(address)).toBe(false),
);
