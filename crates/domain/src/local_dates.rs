//! Dates people type (a plan's due date): a date in Morocco's time, whatever the
//! server's zone and whatever the offset of the day (Morocco leaves UTC+1 for UTC+0
//! during Ramadan). A due date is met until the end of that day; stored as the first
//! instant of the next day, it shows again as the date that was typed.

use crate::forms::local_zone;
use jiff::Timestamp;
use jiff::civil::Date;

/// The end of `date` in Morocco: the first instant of the next day, in ms since the
/// epoch.
pub fn end_of_local_day_ms(date: Date) -> Option<i64> {
    let next = date.tomorrow().ok()?.to_zoned(local_zone()).ok()?;
    Some(next.timestamp().as_millisecond())
}

/// The date whose end is `ms` (the inverse of [`end_of_local_day_ms`]): the Moroccan
/// date of the instant just before it.
pub fn local_day_ending_at(ms: i64) -> Option<Date> {
    let last = Timestamp::from_millisecond(ms.checked_sub(1)?).ok()?;
    Some(last.to_zoned(local_zone()).date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_typed_date_comes_back_as_itself_every_day_of_two_years() {
        // 2026 and 2027 hold both Ramadan changes of offset (February to April).
        let mut day = date(2026, 1, 1);
        while day < date(2028, 1, 1) {
            let end = end_of_local_day_ms(day).expect("an end");
            assert_eq!(local_day_ending_at(end), Some(day), "{day}");
            day = day.tomorrow().expect("tomorrow");
        }
    }

    #[test]
    fn the_end_of_a_day_is_moroccan_midnight_whatever_the_offset() {
        let zone = local_zone();
        for day in [date(2026, 1, 10), date(2026, 3, 1), date(2026, 7, 1)] {
            let end = end_of_local_day_ms(day).expect("an end");
            let local = Timestamp::from_millisecond(end)
                .expect("instant")
                .to_zoned(zone.clone());
            assert_eq!(local.date(), day.tomorrow().expect("tomorrow"), "{day}");
            assert_eq!((local.hour(), local.minute()), (0, 0), "{day}");
        }
        // A minute before Moroccan midnight is still the typed day, a minute after is not,
        // on a UTC+1 day and on a Ramadan (UTC+0) day.
        for day in [date(2026, 12, 7), date(2026, 3, 1)] {
            let end = end_of_local_day_ms(day).expect("an end");
            assert_eq!(local_day_ending_at(end - 60_000 + 1), Some(day));
            assert_ne!(local_day_ending_at(end + 60_000), Some(day));
        }
    }

    #[test]
    fn ramadan_days_have_another_offset_than_the_rest_of_the_year() {
        // The test above means something only if the zone really changes offset.
        let offset = |d: Date| d.to_zoned(local_zone()).expect("zoned").offset().seconds();
        assert_ne!(offset(date(2026, 3, 1)), offset(date(2026, 7, 1)));
    }
}
