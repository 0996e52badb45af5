export * from './config.js'
export * from './errors.js'
export * from './forwarder.js'
export * from './server.js'
