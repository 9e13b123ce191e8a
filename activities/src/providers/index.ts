export * from './provider-client';
export * from './provider-input';
export * from './proxy-endpoint';
