/**
 * Imported first by main.tsx, before any schema exists. zod probes for `new Function` when it
 * builds an object schema, to compile faster validators; the CSP forbids eval, and every probe
 * would be reported as a violation. The workbench validates without it.
 */
import { z } from 'zod';

z.config({ jitless: true });
