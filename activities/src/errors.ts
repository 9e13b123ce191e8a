/**
 * A referenced row does not exist. Temporal turns a thrown error into a failure whose type is the
 * error's class name, so workflows list 'NotFoundError' as non-retryable: retrying cannot make it appear.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
