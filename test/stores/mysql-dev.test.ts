import { mysqlSuite } from './mysql.suite';

mysqlSuite('dev');
