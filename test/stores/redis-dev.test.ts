import { redisSuite } from './redis.suite';

redisSuite('dev');
