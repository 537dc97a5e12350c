export * from './connection.js';
export * from './dispatcher.js';
export * from './inbound-request.js';
export * from './request.js';
export * from './stdio-process.js';
