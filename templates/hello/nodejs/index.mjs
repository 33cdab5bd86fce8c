// Called once per invocation: `event` is the JSON payload, `context` describes the call.
export const handler = async (event, context) => {
  const name = typeof event?.name === 'string' ? event.name : 'world';
  console.log(`hello ${name} from ${context.functionName} (request ${context.awsRequestId})`);
  return { message: `Hello, ${name}!` };
};
