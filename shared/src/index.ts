export * from './errors.js';
export * from './schemas/auth.js';
export * from './schemas/common.js';
export * from './schemas/community.js';
export * from './schemas/import.js';
export * from './schemas/listings.js';
export * from './schemas/resolve.js';
export * from './validators.js';
