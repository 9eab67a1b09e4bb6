// Prisma CLI configuration: the JS engine with the pg driver adapter, so `prisma generate` and
// `prisma migrate diff --from-empty` run without Prisma's native engines (not downloadable everywhere).
// Migrations are applied by prisma/migrate.ts, which records them exactly as `prisma migrate deploy` does.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres';

function adapterFromUrl(url: string) {
  const u = new URL(url);
  // Separate fields rather than a connection string: with a URL, a diff was seen writing into the main database.
  return new PrismaPg({
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password) || undefined,
    database: u.pathname.slice(1),
  });
}

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => adapterFromUrl(process.env.DATABASE_URL!),
});
