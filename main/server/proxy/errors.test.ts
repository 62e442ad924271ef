import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { errorBody } from './errors';

describe('errorBody', () => {
  it("uses OpenAI's shape on inference routes, with the type derived from the status", () => {
    const body = JSON.parse(
      errorBody(new AppError('model_not_found', "The model 'x' does not exist"), 'openai'),
    );
    expect(body).toEqual({
      error: {
        message: "The model 'x' does not exist",
        type: 'not_found_error',
        code: 'model_not_found',
      },
    });
    const denied = JSON.parse(errorBody(new AppError('permission_denied', 'no'), 'openai'));
    expect(denied.error.type).toBe('permission_error');
    const gateway = JSON.parse(errorBody(new AppError('bad_gateway', 'down'), 'openai'));
    expect(gateway.error.type).toBe('server_error');
  });

  it("uses llamactl's {error, details} shape on management routes", () => {
    expect(
      JSON.parse(
        errorBody(new AppError('instance_not_running', 'Instance is not running'), 'management'),
      ),
    ).toEqual({
      error: 'instance_not_running',
      details: 'Instance is not running',
    });
  });
});
