/**
 * A referenced row does not exist. Temporal turns a thrown error into a failure whose type is the
 * error's name, so workflows can list 'NotFound' as non-retryable: retrying cannot make it appear.
 */
export class NotFoundError extends Error {
  override name = 'NotFound';
}
