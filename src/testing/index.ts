/** Test helpers: a scripted peer to run sessions against. */
export * from './scripted-server.js';
