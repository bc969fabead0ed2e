import { mysqlSuite } from './mysql.suite';

mysqlSuite('prod');
