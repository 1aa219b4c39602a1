export { DiskLog, type DiskLogOptions } from './disk-log.ts';
