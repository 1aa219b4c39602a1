export { createIngestor, type Ingestor } from './ingestor.ts';
export {
  validateBody,
  validateSamples,
  validateSample,
  sampleFields,
  FORBIDDEN_USER,
  FORBIDDEN_DEVICE,
  type BodyValidation,
  type Rejection,
  type RejectionCode,
  type ValidateContext,
  type Validation,
} from './validate.ts';
export * from './simulator/index.ts';
export * from './recordings/index.ts';
