#!/usr/bin/env node
import { distEntry } from './entry.js';

await import(distEntry('main'));
