import { redisSuite } from './redis.suite';

redisSuite('prod');
