// The shipped catalogs by language.
import type { Catalog, Language } from './kinds';
import { de } from './de';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { it } from './it';

export * from './kinds';

export const CATALOGS: Record<Language, Catalog> = { en, it, fr, es, de };
