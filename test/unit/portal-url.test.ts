// PORTAL_URL as configured (config/config.ts): every link appends a path to it, so a trailing slash is dropped
// once here rather than making "…/portal//invitations/accept" (a 404) in some emails.
import { loadConfig } from '../../config/config';

test('PORTAL_URL loses its trailing slashes; without any it is kept as given', () => {
  expect(loadConfig({ PORTAL_URL: 'https://clients.example.com/portal/' }).portalUrl).toBe(
    'https://clients.example.com/portal',
  );
  expect(loadConfig({ PORTAL_URL: 'https://clients.example.com//' }).portalUrl).toBe('https://clients.example.com');
  expect(loadConfig({ PORTAL_URL: 'https://clients.example.com/portal' }).portalUrl).toBe(
    'https://clients.example.com/portal',
  );
  expect(loadConfig({}).portalUrl).toBe('http://localhost:3000/portal');
});
