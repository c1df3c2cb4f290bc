# مآل المسار والجداول المتقاطعة والمنحى (المسألة 19، الفقرتان 1 و2).
periodic-dim-change = تطور وضعية الطفل
periodic-dim-closure-outcome = مآل الطفل عند الإغلاق
periodic-dim-risk-at-opening = الخطورة عند أول تقييم
periodic-dim-risk-at-closure = الخطورة عند الإغلاق
periodic-dim-reentry = تبليغ جديد خلال 12 شهرا
stats-reentry-reentered = تبليغ جديد خلال 12 شهرا
stats-reentry-not-reentered = لا تبليغ جديد
stats-three-dimensions = يمكن التوزيع حسب ثلاثة أبعاد خاصة بالمؤشر على الأكثر (مثلا الجنس والفئة العمرية وشكل العنف). احذف بعدا من «by» وأعد الطلب.
stats-bad-compare = لا يقبل «compare» إلا «previous_year». احذفه أو اكتب compare=previous_year.
stats-trend-section = المنحى مقارنة بالأشهر نفسها من السنة الماضية
stats-trend-lead = كل شهر إلى جانب الشهر نفسه قبل سنة. لا يُقرأ التغير بالنسبة المئوية منحى إذا قل أحد العددين عن 20.
stats-trend-title = مقارنة بالسنة الماضية
stats-trend-now = هذه الفترة
stats-trend-before = الأشهر نفسها من السنة الماضية
stats-trend-change = التغير (%)
stats-trend-note = ملاحظة
stats-trend-too-small = العدد قليل لا يسمح بالاستنتاج
stats-trend-definition = التغير = (هذه الفترة − السنة الماضية) ÷ السنة الماضية × 100. العدد الأقل من 20 في أحد الجانبين قليل لا يسمح بقراءة التغير.
stats-table-title = جدول متقاطع
stats-table-back = العودة إلى لوحة القيادة
stats-table-dimension = البعد
