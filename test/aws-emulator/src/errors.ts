/**
 * One error type for every service: each protocol module renders it in its own wire format
 * (EC2/STS XML, SSM/Inspector2 JSON), so handlers never think about encoding.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const notFoundImage = (ids: string[]): ApiError =>
  new ApiError('InvalidAMIID.NotFound', `The image id '[${ids.join(', ')}]' does not exist`);

export const malformedImage = (id: string): ApiError =>
  new ApiError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);

export const notFoundInstance = (ids: string[]): ApiError =>
  new ApiError(
    'InvalidInstanceID.NotFound',
    ids.length === 1
      ? `The instance ID '${ids[0]}' does not exist`
      : `The instance IDs '${ids.join(', ')}' do not exist`,
  );

export const malformedInstance = (id: string): ApiError =>
  new ApiError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);

export const notFoundSnapshot = (id: string): ApiError =>
  new ApiError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);

export const malformedSnapshot = (id: string): ApiError =>
  new ApiError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`);

export const missingParameter = (name: string): ApiError =>
  new ApiError('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidValue = (name: string, value: string, why = ''): ApiError =>
  new ApiError('InvalidParameterValue', `Value (${value}) for parameter ${name} is invalid.${why ? ` ${why}` : ''}`);
