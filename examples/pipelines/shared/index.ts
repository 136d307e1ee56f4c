export * from './images';
export * from './steps';
